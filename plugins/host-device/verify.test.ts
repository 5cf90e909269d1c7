import { describe, expect, it } from 'vitest';
import type { Address, Link, Route } from '../../lib/link/index.ts';
import { planAddresses } from './addresses.ts';
import { type ObservedDevice, firstMismatch } from './verify.ts';

const req = { ifname: 'net1', netns: '/run/netns/p' };
const link = { index: 3, name: 'net1', mac: '02:00:00:00:00:03' } as Link;
const addr = (address: string, prefixLen: number): Address => ({ index: 3, address, prefixLen }) as Address;
const route = (dst: string, gateway?: string): Route => ({ dst, gateway }) as Route;
const prev = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'net1', mac: '02:00:00:00:00:03', sandbox: '/run/netns/p' }],
  ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0' }],
};
const want = prev.interfaces[0] as { name: string; mac: string; sandbox: string };
const seen = (over: Partial<ObservedDevice> = {}): ObservedDevice => ({
  link,
  alias: 'eth1',
  addresses: [addr('10.1.0.5', 24)],
  routes: [route('0.0.0.0/0', '10.1.0.1'), route('10.1.0.0/24')],
  ...over,
});

describe('firstMismatch', () => {
  it('is undefined when the pod holds what prevResult says', () => {
    expect(firstMismatch(req, prev, want, seen())).toBeUndefined();
  });

  it('names the first difference: the device, its MAC, its alias, an address, a route', () => {
    expect(firstMismatch(req, prev, want, seen({ link: undefined }))).toBe('interface net1 does not exist in /run/netns/p');
    expect(firstMismatch(req, prev, want, seen({ link: { ...link, mac: '02:00:00:00:00:09' } }))).toBe('interface net1 has MAC 02:00:00:00:00:09, prevResult says 02:00:00:00:00:03');
    expect(firstMismatch(req, prev, want, seen({ alias: '' }))).toMatch(/^interface net1 has no alias/);
    expect(firstMismatch(req, prev, want, seen({ addresses: [addr('10.1.0.5', 16)] }))).toBe('address 10.1.0.5/24 is missing on net1');
    expect(firstMismatch(req, prev, want, seen({ routes: [route('10.1.0.0/24')] }))).toBe('route 0.0.0.0/0 is missing in /run/netns/p');
  });
});

describe('planAddresses', () => {
  it('puts every address on the device (interface 0) and gives gateway-less routes their family\'s gateway', () => {
    const p = planAddresses('host-local', {
      cniVersion: '1.1.0',
      ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1' }, { address: 'fd00::5/64' }],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }, { dst: '192.0.2.0/24', gw: '10.1.0.254' }],
    });
    expect(p.ips.map((i) => i.interface)).toEqual([0, 0]);
    expect(p.iface.addresses).toEqual([{ ip: '10.1.0.5', prefixLength: 24 }, { ip: 'fd00::5', prefixLength: 64 }]);
    expect(p.iface.routes).toEqual([{ dst: '0.0.0.0/0', gateway: '10.1.0.1' }, { dst: '::/0' }, { dst: '192.0.2.0/24', gateway: '10.1.0.254' }]);
    expect(p.iface.ipv6).toBe(true);
  });

  it('refuses an IPAM answer without addresses', () => {
    expect(() => planAddresses('static', { cniVersion: '1.1.0', ips: [] })).toThrow('IPAM plugin "static" returned missing IP config');
  });
});
