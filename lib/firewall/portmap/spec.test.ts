import { describe, expect, it } from 'vitest';
import { PortmapInputError } from './errors.ts';
import { familyViews, mappingsForFamily, teardownViews } from './spec.ts';
import type { PortmapSpec } from './types.ts';
import { parseCidr } from '../../addr/index.ts';

const base: PortmapSpec = {
  network: 'net',
  containerId: 'cid',
  ifname: 'eth0',
  mappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }],
  containerIPv4: parseCidr('10.1.0.5/16'),
  containerIPv6: parseCidr('FD00:0::5/64'),
  snat: true,
  masqAll: false,
  markMasqBit: 13,
};

describe('portmap spec', () => {
  it('familyViews canonicalises addresses and clears host bits of the subnet, IPv4 first', () => {
    expect(familyViews(base).map((v) => [v.family, v.ip, v.subnet])).toEqual([
      [4, '10.1.0.5', '10.1.0.0/16'],
      [6, 'fd00::5', 'fd00::/64'],
    ]);
  });

  it('mappingsForFamily follows Go: a hostIP of the other family skips, 0.0.0.0 is IPv4-only, :: IPv6-only, empty is both', () => {
    const m = [
      { hostPort: 1, containerPort: 1, protocol: 'tcp' as const, hostIP: '0.0.0.0' },
      { hostPort: 2, containerPort: 2, protocol: 'tcp' as const, hostIP: '::' },
      { hostPort: 3, containerPort: 3, protocol: 'tcp' as const, hostIP: '' },
      { hostPort: 4, containerPort: 4, protocol: 'tcp' as const, hostIP: '2001:DB8::1' },
    ];
    expect(mappingsForFamily(m, 4).map((x) => [x.hostPort, x.hostIP])).toEqual([
      [1, undefined],
      [3, undefined],
    ]);
    expect(mappingsForFamily(m, 6).map((x) => [x.hostPort, x.hostIP])).toEqual([
      [2, undefined],
      [3, undefined],
      [4, '2001:db8::1'],
    ]);
  });

  it.each([
    ['a port of 0', { mappings: [{ hostPort: 0, containerPort: 1, protocol: 'tcp' as const }] }],
    ['an unknown protocol', { mappings: [{ hostPort: 1, containerPort: 1, protocol: 'icmp' as never }] }],
    ['a bad hostIP', { mappings: [{ hostPort: 1, containerPort: 1, protocol: 'tcp' as const, hostIP: '1.2.3' }] }],
    ['a newline in the network', { network: 'a\nb' }],
    ['an empty ifname', { ifname: '' }],
    ['a mark bit of 32', { markMasqBit: 32 }],
    ['a chain name with a space', { externalSetMarkChain: 'A B' }],
    ['an IPv6 address in the IPv4 slot', { containerIPv4: parseCidr('fd00::1/64') }],
    ['an IPv4-mapped address in the IPv6 slot', { containerIPv6: parseCidr('::ffff:10.0.0.1/120') }],
    ['a condition with a newline', { conditionsV4: ['-s', '1.2.3.4\n-F'] }],
  ])('rejects %s', (_, over) => {
    expect(() => familyViews({ ...base, ...over })).toThrow(PortmapInputError);
  });

  it('teardownViews needs mappings and an address; otherwise DEL goes by owner', () => {
    expect(teardownViews({ network: 'net', containerId: 'cid', ifname: 'eth0' })).toBeUndefined();
    expect(teardownViews({ network: 'net', containerId: 'cid', ifname: 'eth0', mappings: base.mappings })).toBeUndefined();
    expect(teardownViews({ network: 'net', containerId: 'cid', ifname: 'eth0', mappings: base.mappings, containerIPv6: parseCidr('fd00::5/64') })?.map((v) => v.family)).toEqual([6]);
    expect(() => teardownViews({ network: 'net', containerId: 'c\nid', ifname: 'eth0' })).toThrow(PortmapInputError);
  });
});
