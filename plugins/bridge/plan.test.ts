import { describe, expect, it } from 'vitest';
import type { Result } from '../../lib/cni/index.ts';
import type { BridgeConfig } from './config.ts';
import { planL3, routeGateway } from './plan.ts';

const base: BridgeConfig = {
  network: 'net', bridge: 'br0', isGateway: false, isDefaultGateway: false, forceAddress: false, ipMasq: false,
  ipMasqBackend: undefined, mtu: undefined, hairpinMode: false, promiscMode: false, vlan: 0, vlanTrunk: [],
  preserveDefaultVlan: false, macspoofchk: false, enableDad: false, disableContainerInterface: false,
  portIsolation: false, ipamType: 'host-local', dns: undefined,
};
const cfg = (extra: Partial<BridgeConfig>): BridgeConfig => ({ ...base, ...extra });
const ipam = (extra: Partial<Result>): Result => ({ cniVersion: '1.1.0', ...extra });

describe('planL3', () => {
  it('points every address at the container interface and derives the masquerade subnets', () => {
    const p = planL3(cfg({}), ipam({ ips: [{ address: '10.1.2.3/16' }, { address: 'fd00::5/64' }] }));
    expect(p.ips).toEqual([{ address: '10.1.2.3/16', interface: 2 }, { address: 'fd00::5/64', interface: 2 }]);
    expect(p.masq).toEqual([
      { ip: '10.1.2.3', prefixLength: 16, subnet: '10.1.0.0/16' },
      { ip: 'fd00::5', prefixLength: 64, subnet: 'fd00::/64' },
    ]);
    expect(p.gateways).toEqual([]);
    expect(p.hasV6).toBe(true);
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
