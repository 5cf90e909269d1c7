import { describe, expect, it } from 'vitest';
import { type AttachmentRequest, CniError, parseCniArgs } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';
import { parseMacvlanConfig } from './config.ts';
import { planAddresses, planMacvlan } from './plan.ts';
import { buildResult } from './result.ts';

function req(extra: Record<string, unknown>, cniArgs?: string, version = '1.1.0'): AttachmentRequest {
  const config = { cniVersion: version, name: 'net', type: 'macvlan', master: 'eth1', ipam: { type: 'host-local' }, ...extra };
  return { command: 'ADD', config, stdin: Buffer.from(JSON.stringify(config)), cniVersion: version, path: [], env: {}, containerId: 'c1', netns: '/run/netns/p', ifname: 'eth0', args: parseCniArgs(cniArgs) };
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
  index: 3, name: 'eth1', kind: 'veth', slaveKind: undefined, master: undefined, mtu: 1500, mac: '02:00:00:00:00:01', flags: 0, up: true, lowerUp: true,
  promisc: false, allmulti: false, txQueueLen: 1000, minMtu: 68, maxMtu: 65535, operstate: 'up', link: undefined, linkNetnsId: undefined, type: 1,
};

describe('parseMacvlanConfig', () => {
  it('applies the reference defaults: bridge mode, the master\'s MTU, no MAC, the master in the node', () => {
    expect(parseMacvlanConfig(req({ master: undefined }))).toEqual({
      network: 'net', master: undefined, mode: 'bridge', mtu: undefined, mac: undefined, linkInContainer: false, bcQueueLen: undefined, ipamType: 'host-local', dns: undefined,
    });
  });

  it('takes the MAC with Go\'s precedence: config < CNI_ARGS MAC < runtimeConfig.mac', () => {
    expect(parseMacvlanConfig(req({ mac: '02:00:00:00:00:0A' })).mac).toBe('02:00:00:00:00:0a');
    expect(parseMacvlanConfig(req({ mac: '02:00:00:00:00:0a' }, 'IgnoreUnknown=1;MAC=02:00:00:00:00:0b')).mac).toBe('02:00:00:00:00:0b');
    expect(parseMacvlanConfig(req({ mac: '02:00:00:00:00:0a', runtimeConfig: { mac: '02:00:00:00:00:0c' } }, 'MAC=02:00:00:00:00:0b')).mac).toBe('02:00:00:00:00:0c');
  });

  it('an absent ipam is L2 only from 0.3.0 on, and refused before anything changes for 0.1/0.2 (no result without an address)', () => {
    expect(parseMacvlanConfig(req({ ipam: undefined })).ipamType).toBeUndefined();
    expect(parseMacvlanConfig(req({ ipam: {} }, undefined, '0.3.1')).ipamType).toBeUndefined();
    expect(errorOf(() => parseMacvlanConfig(req({ ipam: undefined }, undefined, '0.2.0')))).toEqual({ code: 7, msg: 'invalid ipam.type ""' });
  });

  it.each([
    [{ mode: 'source' }, 'invalid mode "source"'],
    [{ mode: 'l2' }, 'invalid mode "l2"'],
    [{ mtu: -1 }, 'invalid mtu -1'],
    [{ mtu: 70000 }, 'invalid mtu 70000'],
    [{ mac: '01:00:5e:00:00:01' }, 'invalid mac "01:00:5e:00:00:01"'],
    [{ mac: 'zz' }, 'invalid mac "zz"'],
    [{ runtimeConfig: { mac: 'ff:ff:ff:ff:ff:ff' } }, 'invalid runtimeConfig.mac "ff:ff:ff:ff:ff:ff"'],
    [{ master: 7 }, 'invalid master 7'],
    [{ linkInContainer: 'yes' }, 'invalid linkInContainer "yes"'],
  ])('rejects %j with code 7: %s', (extra, msg) => {
    expect(errorOf(() => parseMacvlanConfig(req(extra)))).toEqual({ code: 7, msg });
  });

  it('rejects a multicast CNI_ARGS MAC with code 7 naming it', () => {
    expect(errorOf(() => parseMacvlanConfig(req({}, 'MAC=03:00:00:00:00:01')))).toEqual({ code: 7, msg: 'invalid CNI_ARGS MAC "03:00:00:00:00:01"' });
  });
});

describe('planMacvlan', () => {
  it('makes a macvlan child of the master with the configured mode, MTU and MAC', () => {
    const plan = planMacvlan(parseMacvlanConfig(req({ mode: 'vepa', mtu: 1400, mac: '02:11:22:33:44:55', bcqueuelen: 100 })), 'eth0', master);
    expect(plan.child).toEqual({ ifname: 'eth0', kind: { kind: 'macvlan', mode: 'vepa', bcQueueLen: 100 }, parentIndex: 3, parentInPod: false, mtu: 1400, mac: '02:11:22:33:44:55' });
    expect(plan.masterName).toBe('eth1');
  });

  it('refuses an MTU above the master\'s and a master that is a bridge port, code 7', () => {
    expect(errorOf(() => planMacvlan(parseMacvlanConfig(req({ mtu: 1501 })), 'eth0', master))).toEqual({ code: 7, msg: 'invalid mtu 1501' });
    expect(errorOf(() => planMacvlan(parseMacvlanConfig(req({})), 'eth0', { ...master, master: 4, slaveKind: 'bridge' }))).toEqual({ code: 7, msg: 'invalid master "eth1"' });
  });
});

describe('planAddresses and the result', () => {
  const ipam = { cniVersion: '1.1.0', ips: [{ address: '10.5.0.2/24', gateway: '10.5.0.1' }, { address: 'fd05::2/64', gateway: 'fd05::1' }], routes: [{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24', gw: '10.5.0.9' }], dns: { nameservers: ['10.5.0.53'] } };

  it('puts every address on interface 0 and resolves route gateways from the first of the family', () => {
    const a = planAddresses('host-local', ipam);
    expect(a.ips.map((i) => i.interface)).toEqual([0, 0]);
    expect(a.iface.addresses).toEqual([{ ip: '10.5.0.2', prefixLength: 24 }, { ip: 'fd05::2', prefixLength: 64 }]);
    expect(a.iface.routes).toEqual([{ dst: '0.0.0.0/0', gateway: '10.5.0.1' }, { dst: '192.0.2.0/24', gateway: '10.5.0.9' }]);
    expect(a.iface.ipv6).toBe(true);
  });

  it('IPAM without addresses is the reference\'s error', () => {
    expect(errorOf(() => planAddresses('host-local', { cniVersion: '1.1.0' }))).toEqual({ code: 999, msg: 'IPAM plugin returned missing IP config' });
  });

  it('the result has the pod interface only, the config\'s DNS and not IPAM\'s', () => {
    const plan = planMacvlan(parseMacvlanConfig(req({ dns: { nameservers: ['1.1.1.1'] } })), 'eth0', master);
    const link = { ...master, index: 9, name: 'eth0', mac: '02:aa:00:00:00:01' };
    const r = buildResult(plan, link, '/run/netns/p', planAddresses('host-local', ipam));
    expect(r.interfaces).toEqual([{ name: 'eth0', mac: '02:aa:00:00:00:01', sandbox: '/run/netns/p' }]);
    expect(r.dns).toEqual({ nameservers: ['1.1.1.1'] });
    const l2 = buildResult(planMacvlan(parseMacvlanConfig(req({ ipam: undefined })), 'eth0', master), link, '/run/netns/p', undefined);
    expect(l2).toEqual({ cniVersion: '1.1.0', interfaces: [{ name: 'eth0', mac: '02:aa:00:00:00:01', sandbox: '/run/netns/p' }] });
  });
});
