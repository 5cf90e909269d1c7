import { describe, expect, it } from 'vitest';
import { missingL3 } from './expected-l3.ts';

describe('missingL3', () => {
  const where = { ifname: 'tap0', netns: '/run/netns/p' };
  const seen = {
    addresses: [{ address: '10.1.0.5', prefixLen: 24 }, { address: 'fd00::5', prefixLen: 64 }] as never[],
    routes: [{ dst: '0.0.0.0/0', gateway: '10.1.0.1' }, { dst: '10.1.0.0/24' }, { dst: 'fd00::/64' }] as never[],
  };

  it('is undefined when every address and route is there (IPv6 compared canonically)', () => {
    expect(missingL3(where, { ips: [{ address: '10.1.0.5/24' }, { address: 'fd00:0::5/64' }], routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }, { dst: 'fd00::/64' }] }, seen)).toBeUndefined();
  });

  it('names the first missing address, a wrong prefix, a missing route or one through another gateway', () => {
    expect(missingL3(where, { ips: [{ address: '10.1.0.6/24' }] }, seen)).toBe('address 10.1.0.6/24 is missing on tap0');
    expect(missingL3(where, { ips: [{ address: '10.1.0.5/16' }] }, seen)).toBe('address 10.1.0.5/16 is missing on tap0');
    expect(missingL3(where, { routes: [{ dst: '192.0.2.0/24' }] }, seen)).toBe('route 192.0.2.0/24 is missing in /run/netns/p');
    expect(missingL3(where, { routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.9' }] }, seen)).toBe('route 0.0.0.0/0 via 10.1.0.9 is missing in /run/netns/p');
  });
});
