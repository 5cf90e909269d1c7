import { describe, expect, it } from 'vitest';
import { CniError, parseCniArgs } from '../../lib/cni/index.ts';
import { DEFAULT_REQUESTED, DEFAULT_SOCKET_PATH, parseDhcpConfig } from './config.ts';

const conf = (ipam: unknown) => ({ cniVersion: '1.0.0', name: 'dnet', type: 'macvlan', ipam });

function errorOf(fn: () => unknown): { code: number; msg: string } | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CniError) return { code: e.code, msg: e.msg };
    throw e;
  }
  return undefined;
}

describe('dhcp config', () => {
  it('defaults: Go socket path, default request list, nothing provided, no priority', () => {
    expect(parseDhcpConfig(conf({ type: 'dhcp' }), undefined)).toEqual({ socketPath: DEFAULT_SOCKET_PATH, requested: DEFAULT_REQUESTED, provided: [], priority: 0 });
  });

  it('reads names and numbers; skipDefault drops the defaults', () => {
    const c = parseDhcpConfig(conf({ type: 'dhcp', daemonSocketPath: '/tmp/x.sock', request: [{ skipDefault: true }, { option: 'host-name' }, { option: '42' }], priority: 100 }), undefined);
    expect(c).toMatchObject({ socketPath: '/tmp/x.sock', requested: [12, 42], priority: 100 });
  });

  it('takes provided values from the config or from CNI_ARGS (fromArg wins), skipping absent ones', () => {
    const c = parseDhcpConfig(
      conf({ type: 'dhcp', provide: [{ option: 'host-name', value: 'fixed', fromArg: 'K8S_POD_NAME' }, { option: 'user-class', value: 'u' }, { option: '60', fromArg: 'NOPE' }] }),
      parseCniArgs('K8S_POD_NAME=web-1'),
    );
    expect(c.provided).toEqual([
      { code: 12, hex: Buffer.from('web-1').toString('hex') },
      { code: 77, hex: Buffer.from('u').toString('hex') },
    ]);
  });

  it.each([
    ['no ipam', undefined, 'IPAM config missing "ipam" key'],
    ['an unknown option name', { request: [{ option: 'classless-static-routes' }] }, 'invalid ipam.request[0].option "classless-static-routes"'],
    ['an option over 255', { provide: [{ option: '256', value: 'x' }] }, 'invalid ipam.provide[0].option "256"'],
    ['option END', { provide: [{ option: '255', value: 'x' }] }, 'invalid ipam.provide[0].option "255"'],
    ['a value over 255 bytes', { provide: [{ option: 'host-name', value: 'x'.repeat(256) }] }, 'invalid ipam.provide[0].value'],
    ['a relative socket path', { daemonSocketPath: 'dhcp.sock' }, 'invalid ipam.daemonSocketPath "dhcp.sock"'],
    ['a priority of the wrong type', { priority: 'high' }, 'invalid ipam.priority'],
    ['a provide without option', { provide: [{ value: 'x' }] }, 'missing ipam.provide[0].option'],
  ])('answers code 7 for %s', (_, ipam, msg) => {
    const e = errorOf(() => parseDhcpConfig(conf(ipam === undefined ? undefined : { type: 'dhcp', ...ipam }), undefined));
    expect(e?.code).toBe(7);
    expect(e?.msg).toContain(msg);
  });
});
