import { describe, expect, it } from 'vitest';
import { type Ip, ipToString, parseIp } from '../addr/index.ts';
import { AllocationError, allocate, candidates, findHeld, releaseAttachment } from './allocator.ts';
import { type RangeSet, canonicalizeRangeSet } from './range-set.ts';
import type { RangeConf } from './range.ts';
import type { Attachment } from '../core/index.ts';
import { MemoryStore } from './store.ts';

function set(...ranges: RangeConf[]): RangeSet {
  return canonicalizeRangeSet(ranges, 'test');
}

const A: Attachment = { containerId: 'ctr-a', ifname: 'eth0' };
const B: Attachment = { containerId: 'ctr-b', ifname: 'eth0' };
const ips = (list: { ip: Ip }[]): string[] => list.map((a) => ipToString(a.ip));

function allocOne(store: MemoryStore, sets: RangeSet[], owner: Attachment, requested: string[] = []): string[] {
  return ips(allocate(store, sets, { owner, requested: requested.map(parseIp) }));
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('candidates (the round-robin walk)', () => {
  const small = set({ subnet: '10.0.0.0/29' }); // .1 gateway, .1-.6 range
  it.each([
    [undefined, ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']],
    ['10.0.0.3', ['10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.2', '10.0.0.3']],
    ['10.0.0.6', ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']], // wraps, skips the gateway
    ['10.0.0.200', ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']], // outside: from the start
  ])('after %s visits every address once', (last, want) => {
    expect(ips([...candidates(small, last === undefined ? undefined : parseIp(last))])).toEqual(want);
  });

  it('walks several ranges in order and wraps to the first, skipping each range gateway', () => {
    const two = set(
      { subnet: '10.0.0.0/30', rangeStart: '10.0.0.1', rangeEnd: '10.0.0.2' }, // gw .1
      { subnet: '10.0.1.0/29', rangeStart: '10.0.1.3', rangeEnd: '10.0.1.5', gateway: '10.0.1.4' },
    );
    expect(ips([...candidates(two, parseIp('10.0.1.3'))])).toEqual(['10.0.1.5', '10.0.0.2', '10.0.1.3']);
    expect(ips([...candidates(two, undefined)])).toEqual(['10.0.0.2', '10.0.1.3', '10.0.1.5']);
  });

  it('handles IPv6 ranges', () => {
    const v6 = set({ subnet: '2001:db8::/64', rangeStart: '2001:db8::fffe', rangeEnd: '2001:db8::1:1' });
    expect(ips([...candidates(v6, undefined)])).toEqual(['2001:db8::fffe', '2001:db8::ffff', '2001:db8::1:0', '2001:db8::1:1']);
  });
});

describe('allocate', () => {
  const net = set({ subnet: '10.1.0.0/24' });

  it('starts after the gateway and goes round-robin, not reusing a just-released address', () => {
    const store = new MemoryStore();
    expect(allocOne(store, [net], A)).toEqual(['10.1.0.2']);
    expect(allocOne(store, [net], B)).toEqual(['10.1.0.3']);
    expect(releaseAttachment(store, A)).toEqual(['10.1.0.2']);
    expect(allocOne(store, [net], { containerId: 'ctr-c', ifname: 'eth0' })).toEqual(['10.1.0.4']);
    expect(store.entries().get('10.1.0.4')).toEqual({ containerId: 'ctr-c', ifname: 'eth0' });
    expect(store.lastReserved(0)).toBe('10.1.0.4');
  });

  it('wraps around to free addresses at the start of the range', () => {
    const store = new MemoryStore([['10.1.0.2', { containerId: 'x', ifname: 'eth0' }]]);
    store.setLastReserved(0, '10.1.0.254');
    expect(allocOne(store, [net], A)).toEqual(['10.1.0.3']);
  });

  it('skips a gateway inside the range and addresses already taken, even by unreadable files', () => {
    const mid = set({ subnet: '10.2.0.0/24', rangeStart: '10.2.0.10', rangeEnd: '10.2.0.20', gateway: '10.2.0.11' });
    const store = new MemoryStore([['10.2.0.10', null]]);
    expect(allocOne(store, [mid], A)).toEqual(['10.2.0.12']);
  });

  it('allocates one address per range set (dual stack), each with its own round-robin state', () => {
    const store = new MemoryStore();
    const v6 = set({ subnet: '2001:db8::/64' });
    expect(allocOne(store, [net, v6], A)).toEqual(['10.1.0.2', '2001:db8::2']);
    expect(store.lastReserved(1)).toBe('2001:db8::2');
  });

  it('reports exhaustion naming the range set', () => {
    const tiny = set({ subnet: '10.204.0.0/29', rangeEnd: '10.204.0.3' }); // .2 and .3 usable
    const store = new MemoryStore();
    allocOne(store, [tiny], A);
    allocOne(store, [tiny], B);
    const err = thrown(() => allocOne(store, [tiny], { containerId: 'ctr-c', ifname: 'eth0' }));
    expect(err).toBeInstanceOf(AllocationError);
    expect(err.message).toBe('failed to allocate for range 0: no IP addresses available in range set: 10.204.0.1-10.204.0.3');
  });

  it('refuses a second ADD of the same attachment, naming the held address', () => {
    const store = new MemoryStore();
    allocOne(store, [net], A);
    expect(thrown(() => allocOne(store, [net], A)).message).toBe(
      'failed to allocate for range 0: 10.1.0.2 has been allocated to ctr-a, duplicate allocation is not allowed',
    );
    // ...also when an address is requested, and when a legacy id-only file holds one.
    expect(thrown(() => allocOne(store, [net], A, ['10.1.0.50'])).message).toContain('10.1.0.2 has been allocated to ctr-a');
    const legacy = new MemoryStore([['10.1.0.9', { containerId: 'ctr-a' }]]);
    expect(thrown(() => allocOne(legacy, [net], A)).message).toContain('10.1.0.9 has been allocated to ctr-a');
    // Another interface of the same container is a different attachment.
    expect(allocOne(store, [net], { containerId: 'ctr-a', ifname: 'net1' })).toEqual(['10.1.0.3']);
  });

  it('reserves requested addresses in the set that contains them', () => {
    const store = new MemoryStore();
    const v6 = set({ subnet: '2001:db8::/64' });
    expect(allocOne(store, [net, v6], A, ['2001:db8::99', '10.1.0.77'])).toEqual(['10.1.0.77', '2001:db8::99']);
    expect(store.lastReserved(0)).toBe('10.1.0.77');
  });

  it.each([
    [['10.1.0.1'], 'failed to allocate for range 0: requested ip 10.1.0.1 is subnet\'s gateway'],
    [['10.1.0.5'], 'failed to allocate for range 0: requested IP address 10.1.0.5 is not available in range set 10.1.0.1-10.1.0.254'],
    [['10.9.0.5'], 'failed to allocate all requested IPs: 10.9.0.5'],
    [['10.1.0.6', '10.1.0.7'], 'failed to allocate all requested IPs: 10.1.0.7'],
  ])('rejects requested %j', (requested, message) => {
    const store = new MemoryStore([['10.1.0.5', { containerId: 'other', ifname: 'eth0' }]]);
    expect(thrown(() => allocOne(store, [net], A, requested)).message).toBe(message);
    expect([...store.entries().keys()]).toEqual(['10.1.0.5']); // nothing left behind
  });

  it('rolls back earlier range sets when a later one fails', () => {
    const full = set({ subnet: '10.3.0.0/30' }); // only .2 usable (gateway .1)
    const store = new MemoryStore([['10.3.0.2', { containerId: 'other', ifname: 'eth0' }]]);
    const err = thrown(() => allocOne(store, [net, full], A));
    expect(err.message).toBe('failed to allocate for range 1: no IP addresses available in range set: 10.3.0.1-10.3.0.2');
    expect([...store.entries().keys()]).toEqual(['10.3.0.2']);
  });

  it('reserves nothing at all when the known entries show a later set cannot succeed', () => {
    const full = set({ subnet: '10.3.0.0/30' });
    const store = new MemoryStore([['10.3.0.2', { containerId: 'other', ifname: 'eth0' }]]);
    const tries: string[] = [];
    const reserve = store.reserve.bind(store);
    store.reserve = (ip, owner, i) => (tries.push(ip), reserve(ip, owner, i));
    expect(thrown(() => allocOne(store, [net, full], A)).message).toMatch(/range 1: no IP addresses available/);
    expect(thrown(() => allocOne(store, [net, net], A, ['10.1.0.1'])).message).toMatch(/range 0: requested ip 10.1.0.1 is subnet's gateway/);
    expect(tries).toEqual([]);
    expect(store.lastReserved(0)).toBeUndefined();
  });
});

describe('findHeld and releaseAttachment', () => {
  it('prefers exact (id, ifname) files and falls back to legacy id-only files', () => {
    const store = new MemoryStore([
      ['10.1.0.2', { containerId: 'ctr-a', ifname: 'eth0' }],
      ['10.1.0.3', { containerId: 'ctr-a', ifname: 'net1' }],
      ['10.1.0.4', { containerId: 'ctr-a' }],
      ['10.1.0.5', null],
    ]);
    expect(findHeld(store, A).map((h) => h.name)).toEqual(['10.1.0.2']);
    expect(findHeld(store, { containerId: 'ctr-a', ifname: 'eth9' }).map((h) => h.name)).toEqual(['10.1.0.4']);
    expect(releaseAttachment(store, A)).toEqual(['10.1.0.2']);
    expect(releaseAttachment(store, A)).toEqual(['10.1.0.4']); // then the legacy file
    expect(releaseAttachment(store, A)).toEqual([]); // idempotent
    expect([...store.entries().keys()]).toEqual(['10.1.0.3', '10.1.0.5']);
  });
});
