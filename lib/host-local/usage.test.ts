import { describe, expect, it } from 'vitest';
import { canonicalizeRangeSet } from './range-set.ts';
import { type Holder, MemoryStore } from './store.ts';
import { collectGarbage, exhaustedRangeSets } from './usage.ts';

describe('collectGarbage', () => {
  const initial: [string, Holder][] = [
    ['10.1.0.2', { containerId: 'live', ifname: 'eth0' }],
    ['10.1.0.3', { containerId: 'live', ifname: 'net1' }], // same container, interface not listed
    ['10.1.0.4', { containerId: 'gone', ifname: 'eth0' }],
    ['10.1.0.5', { containerId: 'live' }], // legacy file of a live container
    ['10.1.0.6', { containerId: 'gone' }],
    ['10.1.0.7', null], // corrupt: nobody can ever release it
    ['2001:db8::2', { containerId: 'live', ifname: 'eth0' }],
  ];

  it('releases every reservation whose attachment is not valid', () => {
    const store = new MemoryStore(initial);
    const out = collectGarbage(store, [{ containerId: 'live', ifname: 'eth0' }]);
    expect([...out.released].sort()).toEqual(['10.1.0.3', '10.1.0.4', '10.1.0.6', '10.1.0.7']);
    expect(out.errors).toEqual([]);
    expect([...store.entries().keys()].sort()).toEqual(['10.1.0.2', '10.1.0.5', '2001:db8::2']);
  });

  it('releases everything when the valid list is empty, and is idempotent', () => {
    const store = new MemoryStore(initial);
    expect(collectGarbage(store, []).released).toHaveLength(initial.length);
    expect(collectGarbage(store, []).released).toEqual([]);
  });

  it('never touches names that are not IP addresses', () => {
    const store = new MemoryStore([['lock', null], ['last_reserved_ip.0', null], ['10.1.0.9', null]]);
    expect(collectGarbage(store, []).released).toEqual(['10.1.0.9']);
  });

  it('reports release failures and carries on', () => {
    class FailingStore extends MemoryStore {
      override release(ip: string, h: Holder): boolean {
        if (ip === '10.1.0.2') throw new Error('EIO');
        return super.release(ip, h);
      }
    }
    const store = new FailingStore([['10.1.0.2', { containerId: 'a', ifname: 'e' }], ['10.1.0.3', { containerId: 'b', ifname: 'e' }]]);
    const out = collectGarbage(store, []);
    expect(out.released).toEqual(['10.1.0.3']);
    expect(out.errors).toEqual(['10.1.0.2: EIO']);
  });
});

describe('exhaustedRangeSets', () => {
  const tiny = canonicalizeRangeSet([{ subnet: '10.9.0.0/29', rangeEnd: '10.9.0.3' }], 't'); // .2, .3 (gw .1)
  const big = canonicalizeRangeSet([{ subnet: '10.8.0.0/24' }], 't');

  it('names the sets whose every address is reserved; the gateway does not count', () => {
    const store = new MemoryStore([['10.9.0.2', null]]);
    expect(exhaustedRangeSets(store, [big, tiny])).toEqual([]);
    store.reserve('10.9.0.3', { containerId: 'x', ifname: 'e' }, 1);
    expect(exhaustedRangeSets(store, [big, tiny])).toEqual([1]);
  });

  it('ignores reservations outside the ranges and non-canonical names', () => {
    const store = new MemoryStore([['10.9.0.2', null], ['::ffff:10.9.0.3', null], ['10.9.0.1', null], ['10.9.0.7', null]]);
    expect(exhaustedRangeSets(store, [tiny])).toEqual([]);
  });
});
