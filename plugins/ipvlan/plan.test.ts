import { describe, expect, it } from 'vitest';
import { type Command, type ConfigRequest, CniError } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';
import { parseIpvlanConfig } from './config.ts';
import { planAddresses, planIpvlan } from './plan.ts';
import { buildResult } from './result.ts';

function req(extra: Record<string, unknown>, command: Command = 'ADD'): ConfigRequest {
  const config = { cniVersion: '1.0.0', name: 'net', type: 'ipvlan', master: 'eth1', ipam: { type: 'host-local' }, ...extra };
  return { command, config, stdin: Buffer.from(JSON.stringify(config)), cniVersion: '1.0.0', path: [], env: {} };
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

const master: Link = {
  index: 3, name: 'eth1', kind: undefined, slaveKind: undefined, master: undefined, mtu: 9000, mac: '02:00:00:00:00:01', flags: 0, up: true, lowerUp: true,
  promisc: false, allmulti: false, txQueueLen: 1000, minMtu: 68, maxMtu: 9216, operstate: 'up', link: undefined, linkNetnsId: undefined, type: 1,
};

const chained = { cniVersion: '1.0.0', interfaces: [{ name: 'host0' }], ips: [{ address: '10.6.0.5/24', gateway: '10.6.0.1', interface: 0 }], routes: [{ dst: '0.0.0.0/0' }] };

describe('parseIpvlanConfig', () => {
  it('applies the reference defaults: l2, the master\'s MTU, IPAM', () => {
    expect(parseIpvlanConfig(req({}))).toMatchObject({ master: 'eth1', mode: 'l2', mtu: undefined, linkInContainer: false, ipamType: 'host-local', addresses: { ipamType: 'host-local' } });
  });

  it('chained without master: the one interface of prevResult is the master; without ipam.type its addresses are used', () => {
    const c = parseIpvlanConfig(req({ master: undefined, ipam: undefined, prevResult: chained }));
    expect(c.master).toBe('host0');
    expect(c.addresses).toMatchObject({ prevResult: { ips: [{ address: '10.6.0.5/24' }] } });
  });

  it('a configured master wins over prevResult, and ipam.type over prevResult\'s addresses', () => {
    const c = parseIpvlanConfig(req({ prevResult: chained }));
    expect(c.master).toBe('eth1');
    expect(c.addresses).toEqual({ ipamType: 'host-local' });
  });

  it('chained without master and a prevResult of two interfaces is code 7 (the reference\'s "chained master failure")', () => {
    const two = { ...chained, interfaces: [{ name: 'a' }, { name: 'b' }] };
    expect(errorOf(() => parseIpvlanConfig(req({ master: undefined, prevResult: two })))).toEqual({ code: 7, msg: 'chained master failure: prevResult lacks a single named interface' });
  });

  it('neither ipam.type nor chained addresses is code 7 before anything changes', () => {
    expect(errorOf(() => parseIpvlanConfig(req({ ipam: undefined })))).toEqual({ code: 7, msg: 'invalid ipam.type ""' });
    expect(errorOf(() => parseIpvlanConfig(req({ ipam: { type: '' }, prevResult: { ...chained, ips: [] } })))).toEqual({ code: 7, msg: 'invalid ipam.type ""' });
  });

  it('CHECK does not take the master from prevResult (there it is the chain\'s result, ipvlan\'s own interface included)', () => {
    expect(parseIpvlanConfig(req({ master: undefined, ipam: undefined, prevResult: chained }, 'CHECK')).master).toBeUndefined();
  });

  it.each([
    [{ mode: 'bridge' }, 'invalid mode "bridge"'],
    [{ mode: 'L2' }, 'invalid mode "L2"'],
    [{ mtu: 65536 }, 'invalid mtu 65536'],
    [{ linkInContainer: 1 }, 'invalid linkInContainer 1'],
  ])('rejects %j with code 7: %s', (extra, msg) => {
    expect(errorOf(() => parseIpvlanConfig(req(extra)))).toEqual({ code: 7, msg });
  });
});

describe('planIpvlan', () => {
  it.each(['l2', 'l3', 'l3s'] as const)('mode %s makes an ipvlan child of the master', (mode) => {
    const plan = planIpvlan(parseIpvlanConfig(req({ mode, mtu: 8000, linkInContainer: true })), 'net1', master);
    expect(plan.child).toEqual({ ifname: 'net1', kind: { kind: 'ipvlan', mode }, parentIndex: 3, parentInPod: true, mtu: 8000 });
  });

  it('refuses an MTU above the master\'s (9000) with code 7', () => {
    expect(errorOf(() => planIpvlan(parseIpvlanConfig(req({ mtu: 9001 })), 'eth0', master))).toEqual({ code: 7, msg: 'invalid mtu 9001' });
  });

  it('the chained result is replaced by the ipvlan interface alone, its addresses moved onto it', () => {
    const cfg = parseIpvlanConfig(req({ master: undefined, ipam: undefined, prevResult: chained }));
    const plan = planIpvlan(cfg, 'eth0', master);
    const source = cfg.addresses;
    if (!('prevResult' in source)) throw new Error('expected the chained source');
    const r = buildResult(plan, { ...master, index: 8, name: 'eth0' }, '/run/netns/p', planAddresses('prevResult', source.prevResult));
    expect(r).toEqual({
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/p' }],
      ips: [{ address: '10.6.0.5/24', gateway: '10.6.0.1', interface: 0 }],
      routes: [{ dst: '0.0.0.0/0' }],
    });
  });
});
