import { describe, expect, it } from 'vitest';
import { type ConfigRequest, CniError } from '../../lib/cni/index.ts';
import { parseVrfConfig, parseVrfName } from './config.ts';
import { planVrf } from './plan.ts';

function req(extra: Record<string, unknown>): ConfigRequest {
  const config = { cniVersion: '1.1.0', name: 'net', type: 'vrf', vrfname: 'blue', ...extra };
  return { command: 'ADD', config, stdin: Buffer.from(JSON.stringify(config)), cniVersion: '1.1.0', path: [], env: {} };
}

function errorOf(f: () => unknown): { code: number; msg: string } | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof CniError) return { code: e.code, msg: e.msg };
    throw e;
  }
  return undefined;
}

describe('parseVrfConfig', () => {
  it('table 0 or absent means "choose a free one"', () => {
    expect(parseVrfConfig(req({}))).toEqual({ vrfname: 'blue', table: undefined });
    expect(parseVrfConfig(req({ table: 0 }))).toEqual({ vrfname: 'blue', table: undefined });
    expect(parseVrfConfig(req({ table: 4294967295 }))).toEqual({ vrfname: 'blue', table: 4294967295 });
  });
  it.each([
    [{ vrfname: undefined }, 'missing vrfname'],
    [{ vrfname: '' }, 'invalid vrfname ""'],
    [{ vrfname: 'a b' }, 'invalid vrfname "a b"'],
    [{ vrfname: 'x'.repeat(16) }, `invalid vrfname "${'x'.repeat(16)}"`],
    [{ table: -1 }, 'invalid table -1'],
    [{ table: 4294967296 }, 'invalid table 4294967296'],
    [{ table: 1.5 }, 'invalid table 1.5'],
    [{ table: 253 }, 'invalid table 253'],
    [{ table: 254 }, 'invalid table 254'],
    [{ table: 255 }, 'invalid table 255'],
  ])('rejects %j with code 7: %s', (extra, msg) => {
    expect(errorOf(() => parseVrfConfig(req(extra)))).toEqual({ code: 7, msg: expect.stringContaining(msg) });
  });
  it('DEL needs only the name: a reserved table does not stop it', () => {
    expect(parseVrfName(req({ table: 254 }))).toBe('blue');
    expect(errorOf(() => parseVrfName(req({ vrfname: '' })))?.code).toBe(7);
  });
});

describe('planVrf', () => {
  const vrf = { index: 9, name: 'blue', table: 10 };
  it('creates a missing VRF with the configured table, or none (a free one)', () => {
    expect(planVrf(parseVrfConfig(req({ table: 42 })), { state: 'absent' })).toEqual({ create: { name: 'blue', table: 42 } });
    expect(planVrf(parseVrfConfig(req({})), { state: 'absent' })).toEqual({ create: { name: 'blue', table: undefined } });
  });
  it('uses an existing VRF when the table matches or is not given', () => {
    expect(planVrf(parseVrfConfig(req({ table: 10 })), { state: 'vrf', vrf })).toEqual({ use: vrf });
    expect(planVrf(parseVrfConfig(req({})), { state: 'vrf', vrf })).toEqual({ use: vrf });
  });
  it('code 7 for another table than the existing VRF\'s, and for a name taken by a non-VRF link', () => {
    expect(errorOf(() => planVrf(parseVrfConfig(req({ table: 11 })), { state: 'vrf', vrf }))).toEqual({ code: 7, msg: 'invalid table 11: VRF blue already exists with routing table 10' });
    const veth = { state: 'other', link: { name: 'blue', kind: 'veth' } } as never;
    expect(errorOf(() => planVrf(parseVrfConfig(req({})), veth))).toEqual({ code: 7, msg: expect.stringMatching(/^invalid vrfname "blue": .* not a VRF \(it is a veth\)$/) });
  });
});
