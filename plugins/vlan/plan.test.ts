import { describe, expect, it } from 'vitest';
import { type ConfigRequest, CniError, type Result } from '../../lib/cni/index.ts';
import { parseVlanConfig } from './config.ts';
import { buildResult, masterProblem, planAddresses, planVlan } from './plan.ts';
import { firstMismatch } from './verify.ts';

function req(extra: Record<string, unknown>): ConfigRequest {
  const config = { cniVersion: '1.1.0', name: 'net', type: 'vlan', master: 'eth1', ipam: { type: 'host-local' }, ...extra };
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

describe('parseVlanConfig', () => {
  it('applies the reference defaults (vlanId 0, the master\'s MTU, master in the node)', () => {
    expect(parseVlanConfig(req({}))).toEqual({ network: 'net', master: 'eth1', vlanId: 0, mtu: undefined, linkInContainer: false, ipamType: 'host-local', dns: undefined });
  });
  it('reads every key', () => {
    expect(parseVlanConfig(req({ vlanId: 4094, mtu: 1400, linkInContainer: true, dns: { nameservers: ['10.0.0.53'] } }))).toMatchObject({ vlanId: 4094, mtu: 1400, linkInContainer: true, dns: { nameservers: ['10.0.0.53'] } });
  });
  it.each([
    [{ master: undefined }, 'missing master'],
    [{ master: '' }, 'invalid master ""'],
    [{ master: 'a/b' }, 'invalid master "a/b"'],
    [{ master: 'sixteen-chars-xx' }, 'invalid master "sixteen-chars-xx"'],
    [{ vlanId: 4095 }, 'invalid vlanId 4095'],
    [{ vlanId: -1 }, 'invalid vlanId -1'],
    [{ vlanId: '5' }, 'invalid vlanId "5"'],
    [{ mtu: 10 }, 'invalid mtu 10'],
    [{ mtu: 70000 }, 'invalid mtu 70000'],
    [{ ipam: undefined }, 'missing ipam'],
    [{ ipam: { type: '' } }, 'invalid ipam.type ""'],
    [{ linkInContainer: 'yes' }, 'invalid linkInContainer "yes"'],
  ])('rejects %j with code 7: %s', (extra, msg) => {
    expect(errorOf(() => parseVlanConfig(req(extra)))).toEqual({ code: 7, msg: expect.stringContaining(msg) });
  });
});

describe('masterProblem', () => {
  const plan = planVlan(parseVlanConfig(req({ vlanId: 10, mtu: 1500 })), 'eth0');
  it('a missing master is code 7 naming it and where it was looked for', () => {
    expect(masterProblem(plan, undefined)).toMatchObject({ code: 7, msg: 'invalid master "eth1": no such interface in the node\'s network namespace' });
    const inPod = planVlan(parseVlanConfig(req({ linkInContainer: true })), 'eth0');
    expect(masterProblem(inPod, undefined)?.msg).toContain('the pod\'s network namespace (linkInContainer)');
  });
  it('an MTU above the master\'s is code 7; equal is fine', () => {
    expect(masterProblem(plan, { name: 'eth1', mtu: 1400 })).toMatchObject({ code: 7, msg: 'invalid mtu 1500: must be at most the master\'s MTU (eth1: 1400)' });
    expect(masterProblem(plan, { name: 'eth1', mtu: 1500 })).toBeUndefined();
  });
});

describe('planAddresses and buildResult', () => {
  const ipam: Result = {
    cniVersion: '1.1.0',
    ips: [{ address: '10.5.0.7/24', gateway: '10.5.0.1' }, { address: 'fd05::7/64' }],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '10.9.0.0/16', gw: '10.5.0.254' }],
    dns: { nameservers: ['10.5.0.53'] },
  };
  it('puts every address on interface 0 and fills route gateways from the first of the family', () => {
    const a = planAddresses('host-local', ipam);
    expect(a.ips).toEqual([{ address: '10.5.0.7/24', gateway: '10.5.0.1', interface: 0 }, { address: 'fd05::7/64', interface: 0 }]);
    expect(a.iface.addresses).toEqual([{ ip: '10.5.0.7', prefixLength: 24 }, { ip: 'fd05::7', prefixLength: 64 }]);
    expect(a.iface.routes).toEqual([{ dst: '0.0.0.0/0', gateway: '10.5.0.1' }, { dst: '10.9.0.0/16', gateway: '10.5.0.254' }]);
    expect(a.iface.ipv6).toBe(true);
  });
  it('IPAM without addresses is an error', () => {
    expect(errorOf(() => planAddresses('host-local', { cniVersion: '1.1.0' }))?.msg).toBe('IPAM plugin "host-local" returned missing IP config');
  });
  it('the result has the one interface; DNS: the config\'s override, else IPAM\'s', () => {
    const a = planAddresses('host-local', ipam);
    const iface = { name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/p' };
    const plain = buildResult(planVlan(parseVlanConfig(req({})), 'eth0'), iface, a, ipam);
    expect(plain).toEqual({ cniVersion: '1.1.0', interfaces: [iface], ips: a.ips, routes: a.routes, dns: { nameservers: ['10.5.0.53'] } });
    const over = buildResult(planVlan(parseVlanConfig(req({ dns: { nameservers: ['1.1.1.1'] } })), 'eth0'), iface, a, ipam);
    expect(over.dns).toEqual({ nameservers: ['1.1.1.1'] });
  });
});

describe('firstMismatch (CHECK)', () => {
  const cfg = parseVlanConfig(req({ vlanId: 10, mtu: 1400 }));
  const prev: Result = { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/p' }], ips: [{ address: '10.5.0.7/24', interface: 0 }], routes: [{ dst: '0.0.0.0/0', gw: '10.5.0.1' }] };
  const link = { index: 5, name: 'eth0', kind: 'vlan', link: 3, mtu: 1400, mac: '02:00:00:00:00:01' } as never;
  const good = {
    link,
    vlan: { vlanId: 10, protocol: '802.1Q' as const },
    master: { index: 3, name: 'eth1' } as never,
    addresses: [{ address: '10.5.0.7', prefixLen: 24 }] as never,
    routes: [{ dst: '0.0.0.0/0', gateway: '10.5.0.1' }] as never,
  };
  const want = prev.interfaces![0]!;
  const r = { ifname: 'eth0', netns: '/p' };
  it('passes when everything matches', () => {
    expect(firstMismatch(r, cfg, prev, want, good)).toBeUndefined();
  });
  it.each([
    [{ master: undefined }, 'master eth1 does not exist'],
    [{ link: undefined }, 'interface eth0 does not exist'],
    [{ link: { ...(link as object), kind: 'veth' }, vlan: undefined }, 'is a veth, not a vlan'],
    [{ vlan: { vlanId: 11, protocol: '802.1Q' } }, 'has VLAN id 11, the config says 10'],
    [{ master: { index: 4, name: 'eth1' } }, 'is not on master eth1'],
    [{ link: { ...(link as object), mtu: 1500 } }, 'has MTU 1500, the config says 1400'],
    [{ link: { ...(link as object), mac: '02:00:00:00:00:09' } }, 'has MAC 02:00:00:00:00:09'],
    [{ addresses: [] }, 'address 10.5.0.7/24 is missing'],
    [{ routes: [] }, 'route 0.0.0.0/0 via 10.5.0.1 is missing'],
  ])('reports %j', (change, text) => {
    expect(firstMismatch(r, cfg, prev, want, { ...good, ...change } as never)).toContain(text);
  });
});
