import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../lib/addr/index.ts';
import type { Result } from '../../lib/cni/index.ts';
import type { BridgeConfig } from './config.ts';
import { planL3, routeGateway } from './l3-plan.ts';
import { planBridge } from './plan.ts';

const base: BridgeConfig = {
  network: 'net', bridge: 'br0', isGateway: false, isDefaultGateway: false, forceAddress: false, ipMasq: false,
  ipMasqBackend: undefined, mtu: undefined, hairpinMode: false, promiscMode: false, vlan: 0, vlanTrunk: [],
  preserveDefaultVlan: false, macspoofchk: false, enableDad: false, disableContainerInterface: false,
  portIsolation: false, ipamType: 'host-local', dns: undefined,
};
const cfg = (extra: Partial<BridgeConfig>) => planBridge({ ...base, ...extra }, { mac: undefined }, 'eth0').l3;
const ipam = (extra: Partial<Result>): Result => ({ cniVersion: '1.1.0', ...extra });

describe('planL3', () => {
  it('points every address at the container interface and derives the masquerade subnets', () => {
    const p = planL3(cfg({}), ipam({ ips: [{ address: '10.1.2.3/16' }, { address: 'fd00::5/64' }] }));
    expect(p.ips).toEqual([{ address: '10.1.2.3/16', interface: 2 }, { address: 'fd00::5/64', interface: 2 }]);
    expect(p.masq).toEqual([parseCidr('10.1.2.3/16'), parseCidr('fd00::5/64')]);
    expect(p.gateways).toEqual([]);
    expect(p.iface.ipv6).toBe(true);
    expect(p.iface.addresses).toEqual([{ ip: '10.1.2.3', prefixLength: 16 }, { ip: 'fd00::5', prefixLength: 64 }]);
  });

  it('with isGateway gives gateway-less addresses the first address of their subnet, one gateway per subnet', () => {
    const p = planL3(cfg({ isGateway: true }), ipam({ ips: [{ address: '10.1.0.5/24' }, { address: '10.1.0.6/24' }, { address: 'fd00::5/64', gateway: 'fd00::fe' }] }));
    expect(p.ips.map((i) => i.gateway)).toEqual(['10.1.0.1', '10.1.0.1', 'fd00::fe']);
    expect(p.gateways).toEqual([
      { family: 4, ip: '10.1.0.1', prefixLength: 24 },
      { family: 6, ip: 'fd00::fe', prefixLength: 64 },
    ]);
  });

  it('with isDefaultGateway adds a default route per family unless IPAM gave one with a gateway', () => {
    const both = planL3(cfg({ isGateway: true, isDefaultGateway: true }), ipam({ ips: [{ address: '10.1.0.5/24' }, { address: 'fd00::5/64' }] }));
    expect(both.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.1.0.1' }, { dst: '::/0', gw: 'fd00::1' }]);
    const given = planL3(cfg({ isGateway: true, isDefaultGateway: true }), ipam({ ips: [{ address: '10.1.0.5/24' }], routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.254' }] }));
    expect(given.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.1.0.254' }]);
    // a default route without a gateway does not count (the reference's rule)
    const bare = planL3(cfg({ isGateway: true, isDefaultGateway: true }), ipam({ ips: [{ address: '10.1.0.5/24' }], routes: [{ dst: '0.0.0.0/0' }] }));
    expect(bare.routes).toEqual([{ dst: '0.0.0.0/0' }, { dst: '0.0.0.0/0', gw: '10.1.0.1' }]);
  });

  it('fails with an actionable error when IPAM returned no address', () => {
    expect(() => planL3(cfg({}), ipam({ ips: [] }))).toThrow('IPAM plugin "host-local" returned no IP addresses');
  });
});

describe('routeGateway', () => {
  it('uses the route gateway, else the first gateway of the same family', () => {
    const ips = [{ address: '10.1.0.5/24', gateway: '10.1.0.1' }, { address: 'fd00::5/64', gateway: 'fd00::1' }];
    expect(routeGateway({ dst: '0.0.0.0/0', gw: '10.1.0.9' }, ips)).toBe('10.1.0.9');
    expect(routeGateway({ dst: '::/0' }, ips)).toBe('fd00::1');
    expect(routeGateway({ dst: '192.168.0.0/16' }, [{ address: 'fd00::5/64' }])).toBeUndefined();
  });
});

describe('planBridge', () => {
  it('turns the config into narrow link settings', () => {
    const p = planBridge({ ...base, mtu: 1400, vlan: 7, vlanTrunk: [8, 9], hairpinMode: true, ipMasq: true, ipMasqBackend: 'nftables' }, { mac: '02:00:00:00:00:01' }, 'eth1');
    expect(p.bridge).toEqual({ name: 'br0', mtu: 1400, vlanFiltering: true, promisc: false });
    expect(p.port).toEqual({ hairpin: true, isolated: false, vlans: { access: 7, trunk: [8, 9], preserveDefault: false } });
    expect(p.veth).toEqual({ ifname: 'eth1', mtu: 1400, mac: '02:00:00:00:00:01' });
    expect(p.vlanGateway).toEqual({ vlan: 7, preserveDefaultVlan: false });
    expect(p.masquerade).toEqual({ backend: 'nftables' });
  });
  it('plans no VLANs, no masquerade and no VLAN gateway where the config has none', () => {
    const p = planBridge({ ...base, ipMasq: true, ipamType: undefined }, { mac: undefined }, 'eth0');
    expect(p.port.vlans).toBeUndefined();
    expect(p.vlanGateway).toBeUndefined();
    expect(p.masquerade).toBeUndefined(); // an L2 network has no addresses to masquerade
  });
  it('resolves every route gateway into the interface settings', () => {
    const l3 = planL3(cfg({ isGateway: true, isDefaultGateway: true }), ipam({ ips: [{ address: '10.1.0.5/24' }], routes: [{ dst: '10.9.0.0/16', priority: 5 }] }));
    expect(l3.iface.routes).toEqual([{ dst: '10.9.0.0/16', gateway: '10.1.0.1', priority: 5 }, { dst: '0.0.0.0/0', gateway: '10.1.0.1' }]);
  });
});
