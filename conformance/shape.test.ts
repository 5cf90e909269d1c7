import { describe, expect, it } from 'vitest';
import { cidrFamily, resultAddresses, resultProblems } from './shape.ts';

// Outputs printed by Debian's Go plugins 1.1.1 (reference-benchmarks.md and measured here).
const GO_HOST_LOCAL_020 = { cniVersion: '0.2.0', ip4: { ip: '10.77.0.2/24', gateway: '10.77.0.1', routes: [{ dst: '0.0.0.0/0' }] }, dns: {} };
const GO_HOST_LOCAL_031 = { cniVersion: '0.3.1', ips: [{ version: '4', address: '10.77.0.3/24', gateway: '10.77.0.1' }], routes: [{ dst: '0.0.0.0/0' }], dns: {} };
const GO_BRIDGE_100 = {
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'cni0', mac: '0a:58:0a:f4:01:01' },
    { name: 'veth7c5a44d1', mac: 'ae:4b:be:d5:7e:88' },
    { name: 'eth0', mac: '0a:58:0a:f4:01:06', sandbox: '/var/run/netns/a' },
  ],
  ips: [{ interface: 2, address: '10.244.1.6/24', gateway: '10.244.1.1' }],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: {},
};
const GO_LOOPBACK_031 = {
  cniVersion: '0.3.1',
  interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: '/run/netns/x' }],
  ips: [
    { interface: 0, address: '127.0.0.1/8' },
    { interface: 0, address: '::1/128' },
  ],
  dns: {},
};

describe('resultProblems', () => {
  it('accepts the Go outputs of each family', () => {
    expect(resultProblems(GO_HOST_LOCAL_020, '0.2.0', { ipam: true })).toEqual([]);
    expect(resultProblems(GO_HOST_LOCAL_031, '0.3.1', { ipam: true })).toEqual([]);
    expect(resultProblems(GO_BRIDGE_100, '1.0.0')).toEqual([]);
    expect(resultProblems({ ...GO_BRIDGE_100, cniVersion: '1.1.0', interfaces: [{ name: 'eth0', mtu: 1500 }], ips: [{ address: '10.0.0.2/24', interface: 0 }] }, '1.1.0')).toEqual([]);
  });

  it('flags the loopback quirk: 1.x-shaped ips labelled 0.3.1', () => {
    expect(resultProblems(GO_LOOPBACK_031, '0.3.1')).toEqual([
      'ips[0].version: must be "4" or "6" in 0.3.x/0.4.0 (got undefined)',
      'ips[1].version: must be "4" or "6" in 0.3.x/0.4.0 (got undefined)',
    ]);
  });

  it('flags a version field in 1.x and a cniVersion that is not the config version', () => {
    const r = { ...GO_HOST_LOCAL_031, cniVersion: '1.0.0' };
    expect(resultProblems(r, '1.0.0')).toEqual(['ips[0]: unexpected key "version"']);
    expect(resultProblems(GO_HOST_LOCAL_031, '0.4.0')[0]).toMatch(/^cniVersion: "0.3.1", expected "0.4.0"/);
  });

  it('requires ip4/ip6 in 0.1.0/0.2.0 and rejects ips there', () => {
    expect(resultProblems({ cniVersion: '0.2.0', ips: [] }, '0.2.0')).toEqual([
      'result: unexpected key "ips"',
      'result: neither ip4 nor ip6 (0.1.0/0.2.0 results need at least one)',
    ]);
    expect(resultProblems({ cniVersion: '0.1.0', ip4: { ip: '::1/128' } }, '0.1.0')).toEqual(['ip4.ip: not an IPv4 CIDR ("::1/128")']);
  });

  it('checks interface indexes, version/family agreement and IPAM abbreviations', () => {
    expect(resultProblems({ cniVersion: '0.4.0', interfaces: [{ name: 'eth0' }], ips: [{ version: '6', address: '10.0.0.2/24', interface: 3 }] }, '0.4.0')).toEqual([
      'ips[0].version: "6" but the address is IPv4',
      'ips[0].interface: 3 is not an index into interfaces (1)',
    ]);
    expect(resultProblems({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0' }], ips: [{ address: '10.0.0.2/24', interface: 0 }] }, '1.0.0', { ipam: true })).toEqual([
      'interfaces: an IPAM result must not list interfaces',
      'ips[0].interface: an IPAM result must not set interface indexes',
    ]);
  });

  it('rejects 1.1-only interface fields in 1.0.0, bad MACs and bad routes', () => {
    expect(resultProblems({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mtu: 1500, mac: 'zz' }], routes: [{ dst: '10.0.0.0/8', gw: '::1' }] }, '1.0.0')).toEqual([
      'interfaces[0]: unexpected key "mtu"',
      'interfaces[0].mac: not a MAC ("zz")',
      'routes[0]: gw family differs from dst',
    ]);
  });

  it('rejects non-objects and malformed dns', () => {
    expect(resultProblems('x', '1.0.0')).toEqual(['result: not a JSON object']);
    expect(resultProblems({ cniVersion: '1.0.0', dns: { nameservers: 'x' } }, '1.0.0')).toEqual(['dns.nameservers: not a list of strings']);
  });
});

describe('resultAddresses and cidrFamily', () => {
  it('reads addresses of every family', () => {
    expect(resultAddresses(GO_HOST_LOCAL_020)).toEqual(['10.77.0.2/24']);
    expect(resultAddresses(GO_LOOPBACK_031)).toEqual(['127.0.0.1/8', '::1/128']);
    expect(resultAddresses(null)).toEqual([]);
  });
  it.each([
    ['10.0.0.1/24', 4],
    ['fd00::1/64', 6],
    ['10.0.0.1/33', 0],
    ['10.0.0.1', 0],
    [42, 0],
  ])('cidrFamily(%j) = %d', (v, fam) => expect(cidrFamily(v)).toBe(fam));
});
