import { describe, expect, it } from 'vitest';
import { type ConfigRequest, CniError } from '../../lib/cni/index.ts';
import { parseDummyConfig } from './config.ts';
import { buildResult, planAddresses } from './plan.ts';
import { firstDummyMismatch } from './verify.ts';

function req(extra: Record<string, unknown>): ConfigRequest {
  const config = { cniVersion: '1.1.0', name: 'net', type: 'dummy', ipam: { type: 'host-local' }, ...extra };
  return { command: 'ADD', config, stdin: Buffer.from(JSON.stringify(config)), cniVersion: '1.1.0', path: [], env: {} };
}

function codeOf(f: () => unknown): { code: number; msg: string } | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof CniError) return { code: e.code, msg: e.msg };
    throw e;
  }
  return undefined;
}

describe('parseDummyConfig', () => {
  it('needs only the IPAM plugin', () => {
    expect(parseDummyConfig(req({}))).toEqual({ ipamType: 'host-local' });
  });

  it.each([
    [{ ipam: undefined }, 'missing ipam'],
    [{ ipam: {} }, 'missing ipam.type'],
    [{ ipam: { type: '' } }, 'invalid ipam.type ""'],
    [{ ipam: { type: 'a/b' } }, 'invalid ipam.type "a/b"'],
    [{ ipam: 'host-local' }, 'invalid ipam "host-local"'],
  ])('rejects %j with code 7: %s (the reference: "dummy interface requires an IPAM configuration")', (extra, msg) => {
    expect(codeOf(() => parseDummyConfig(req(extra)))).toEqual({ code: 7, msg });
  });
});

describe('planAddresses and buildResult', () => {
  const ipam = { cniVersion: '1.1.0', ips: [{ address: '169.254.169.254/32' }], routes: [{ dst: '10.96.0.0/12', gw: '169.254.169.254' }], dns: { nameservers: ['10.96.0.10'] } };

  it('puts every address on the dummy (index 0) and keeps IPAM routes and DNS in the result', () => {
    const a = planAddresses('static', ipam);
    expect(a.iface.addresses).toEqual([{ ip: '169.254.169.254', prefixLength: 32 }]);
    expect(buildResult({ name: 'dummy0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '/run/netns/p' }, a, ipam)).toEqual({
      cniVersion: '1.1.0',
      interfaces: [{ name: 'dummy0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '/run/netns/p' }],
      ips: [{ address: '169.254.169.254/32', interface: 0 }],
      routes: [{ dst: '10.96.0.0/12', gw: '169.254.169.254' }],
      dns: { nameservers: ['10.96.0.10'] },
    });
  });

  it('fails when IPAM gives no address', () => {
    expect(codeOf(() => planAddresses('static', { cniVersion: '1.1.0' }))?.msg).toBe('IPAM plugin "static" returned missing IP config');
  });
});

describe('firstDummyMismatch', () => {
  const link = { index: 4, name: 'dummy0', kind: 'dummy', mac: 'aa:bb:cc:dd:ee:ff', up: true } as never;
  const want = { name: 'dummy0', mac: 'AA:BB:CC:DD:EE:FF', sandbox: '/run/netns/p' };
  it('accepts the interface ADD made, and names each difference', () => {
    expect(firstDummyMismatch('dummy0', want, link)).toBeUndefined();
    expect(firstDummyMismatch('dummy0', want, undefined)).toBe('interface dummy0 does not exist');
    expect(firstDummyMismatch('dummy0', want, { ...(link as object), kind: 'veth' } as never)).toBe('interface dummy0 is a veth, not a dummy');
    expect(firstDummyMismatch('dummy0', want, { ...(link as object), mac: '02:00:00:00:00:01' } as never)).toMatch(/has MAC 02:00:00:00:00:01/);
    expect(firstDummyMismatch('dummy0', want, { ...(link as object), up: false } as never)).toBe('interface dummy0 is down');
  });
});
