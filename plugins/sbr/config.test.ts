import { describe, expect, it } from 'vitest';
import { type AttachmentRequest, CniError, type ConfigRequest, parseCniArgs } from '../../lib/cni/index.ts';
import { parseSbrConfig, parseSbrConfigForDel, requireSbrPrevResult } from './config.ts';

function req(extra: Record<string, unknown>): AttachmentRequest {
  const config = { cniVersion: '1.1.0', name: 'net', type: 'sbr', ...extra };
  const base: ConfigRequest = { command: 'ADD', config, stdin: Buffer.from(JSON.stringify(config)), cniVersion: '1.1.0', path: [], env: {} };
  return { ...base, containerId: 'c1', netns: '/run/netns/p', ifname: 'eth0', args: parseCniArgs(undefined) };
}

function failure(fn: () => unknown): { code: number; msg: string; details: string | undefined } {
  try {
    fn();
  } catch (e) {
    if (e instanceof CniError) return { code: e.code, msg: e.msg, details: e.details };
    throw e;
  }
  throw new Error('expected a CniError');
}

describe('parseSbrConfig', () => {
  it('has no table unless one is given; null counts as absent (Go\'s *int)', () => {
    expect(parseSbrConfig(req({}))).toEqual({ table: undefined });
    expect(parseSbrConfig(req({ table: null }))).toEqual({ table: undefined });
    expect(parseSbrConfig(req({ table: 1 }))).toEqual({ table: 1 });
    expect(parseSbrConfig(req({ table: 4294967295 }))).toEqual({ table: 4294967295 });
  });

  it.each([0, -1, 4294967296, 1.5, '100'])('refuses table %j with code 7 naming the key and the value', (table) => {
    const f = failure(() => parseSbrConfig(req({ table })));
    expect(f.code).toBe(7);
    expect(f.msg).toBe(`invalid table ${JSON.stringify(table)}`);
    expect(f.details).toMatch(/1 to 4294967295/);
  });

  it.each([
    [253, 'default'],
    [254, 'main'],
    [255, 'local'],
  ])('refuses the kernel\'s reserved table %i (%s) with code 7', (table, name) => {
    const f = failure(() => parseSbrConfig(req({ table })));
    expect(f).toMatchObject({ code: 7, msg: `invalid table ${table}` });
    expect(f.details).toContain(`"${name}"`);
  });

  it('DEL takes a table ADD would refuse as no table (nothing of ours can be in it)', () => {
    expect(parseSbrConfigForDel(req({ table: 254 }))).toEqual({ table: undefined });
    expect(parseSbrConfigForDel(req({ table: 300 }))).toEqual({ table: 300 });
  });
});

describe('requireSbrPrevResult', () => {
  it('is code 7 with Go\'s message when sbr is not chained', () => {
    expect(failure(() => requireSbrPrevResult(req({})))).toMatchObject({ code: 7, msg: 'This plugin must be called as chained plugin' });
  });

  it('converts an older prevResult to 1.1.0', () => {
    const r = req({ cniVersion: '0.3.1', prevResult: { cniVersion: '0.3.1', ips: [{ version: '4', address: '10.0.0.5/24', gateway: '10.0.0.1' }] } });
    expect(requireSbrPrevResult(r).ips).toEqual([{ address: '10.0.0.5/24', gateway: '10.0.0.1' }]);
  });
});
