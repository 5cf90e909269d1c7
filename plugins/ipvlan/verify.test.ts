import { describe, expect, it } from 'vitest';
import type { Result } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';
import { type ObservedIpvlan, firstMismatch } from './verify.ts';

const link = { index: 9, name: 'eth0', kind: 'ipvlan', mac: '02:00:00:00:00:01', link: 3 } as Link;
const prev: Result = { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', sandbox: '/run/netns/p' }], ips: [{ address: '10.6.0.2/24', interface: 0 }] };
const want = prev.interfaces?.[0] ?? { name: 'eth0' };
const base: ObservedIpvlan = { state: { link, mode: 'l3' }, master: { index: 3, name: 'up0' } as Link, addresses: [{ address: '10.6.0.2', prefixLen: 24 } as never], routes: [] };

describe('ipvlan CHECK: firstMismatch', () => {
  it('is undefined when the kernel matches; another mode or kind is named', () => {
    expect(firstMismatch('eth0', 'l3', prev, want, base)).toBeUndefined();
    expect(firstMismatch('eth0', 'l2', prev, want, base)).toBe('container ipvlan mode l3 does not match the configured l2');
    expect(firstMismatch('eth0', 'l3', prev, want, { ...base, state: { link: { ...link, kind: 'macvlan' }, mode: undefined } })).toBe('container interface eth0 is a macvlan, not an ipvlan');
  });

  it('compares the parent only when a master is configured (chained, CHECK has none)', () => {
    const elsewhere = { ...base, master: { index: 5, name: 'up9' } as Link };
    expect(firstMismatch('eth0', 'l3', prev, want, elsewhere)).toBe('interface eth0 is not a child of master "up9" (its parent is ifindex 3)');
    expect(firstMismatch('eth0', 'l3', prev, want, { ...base, master: undefined })).toBeUndefined();
  });
});
