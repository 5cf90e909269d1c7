import { describe, expect, it } from 'vitest';
import type { Result } from '../../lib/cni/index.ts';
import type { Address, Link, Route } from '../../lib/link/index.ts';
import { type ObservedMacvlan, firstMismatch } from './verify.ts';

const master = { index: 3, name: 'up0' } as Link;
const link = { index: 9, name: 'eth0', kind: 'macvlan', mac: '02:00:00:00:00:09', link: 3 } as Link;
const addr = (address: string, prefixLen: number) => ({ address, prefixLen }) as Address;
const route = (dst: string, gateway?: string) => ({ dst, gateway }) as Route;
const prev: Result = { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:09', sandbox: '/run/netns/p' }], ips: [{ address: '10.5.0.2/24', gateway: '10.5.0.1', interface: 0 }], routes: [{ dst: '0.0.0.0/0' }, { dst: '192.0.2.0/24', gw: '10.5.0.9' }] };
const want = prev.interfaces?.[0] ?? { name: 'eth0' };

function seen(over: Partial<ObservedMacvlan> = {}): ObservedMacvlan {
  return { state: { link, mode: 'bridge' }, master, addresses: [addr('10.5.0.2', 24)], routes: [route('0.0.0.0/0', '10.5.0.1'), route('192.0.2.0/24', '10.5.0.9')], ...over };
}

describe('macvlan CHECK: firstMismatch', () => {
  it('is undefined when the kernel matches prevResult', () => {
    expect(firstMismatch('eth0', 'bridge', prev, want, seen())).toBeUndefined();
  });

  it.each([
    ['the link is gone', seen({ state: undefined }), 'container interface eth0 from prevResult does not exist in /run/netns/p'],
    ['another kind', seen({ state: { link: { ...link, kind: 'veth' }, mode: undefined } }), 'container interface eth0 is a veth, not a macvlan'],
    ['another mode', seen({ state: { link, mode: 'vepa' } }), 'container macvlan mode vepa does not match the configured bridge'],
    ['another MAC', seen({ state: { link: { ...link, mac: '02:00:00:00:00:0a' }, mode: 'bridge' } }), 'interface eth0 has MAC 02:00:00:00:00:0a, prevResult says 02:00:00:00:00:09'],
    ['another parent', seen({ master: { index: 4, name: 'up1' } as Link }), 'interface eth0 is not a child of master "up1" (its parent is ifindex 3)'],
    ['the address is gone', seen({ addresses: [] }), 'address 10.5.0.2/24 is missing on eth0'],
    ['a route is gone', seen({ routes: [route('0.0.0.0/0', '10.5.0.1')] }), 'route 192.0.2.0/24 via 10.5.0.9 is missing'],
    ['a route has another gateway', seen({ routes: [route('0.0.0.0/0', '10.5.0.1'), route('192.0.2.0/24', '10.5.0.8')] }), 'route 192.0.2.0/24 via 10.5.0.9 is missing'],
  ])('names the first difference: %s', (_what, observed, msg) => {
    expect(firstMismatch('eth0', 'bridge', prev, want, observed)).toBe(msg);
  });
});
