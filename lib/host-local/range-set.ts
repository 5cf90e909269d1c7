import type { Family, Ip } from '../addr/index.ts';
import { CniError, ErrorCode, invalidConfig } from '../cni/index.ts';
import { type Range, type RangeConf, canonicalizeRange, rangeCapacity, rangeContains, rangeToString, rangesOverlap } from './range.ts';

/** A pool of ranges of one family; one address is allocated from each set per attachment. */
export type RangeSet = readonly Range[];

/**
 * Validates a range set (a non-empty array, as the ipam schema checked): all of one family,
 * none overlapping.
 * @throws CniError code 7 naming `key` (e.g. "ipam.ranges[1]") and the offending value.
 */
export function canonicalizeRangeSet(raw: readonly RangeConf[], key: string): RangeSet {
  const set = raw.map((r, i) => canonicalizeRange(r, `${key}[${i}]`));
  const family = rangeSetFamily(set);
  set.forEach((r, i) => {
    if (r.subnet.ip.family !== family) {
      throw invalidConfig(`${key}[${i}].subnet`, raw[i]?.subnet, `mixed address families in one range set (the set starts with IPv${family})`);
    }
  });
  for (let i = 0; i < set.length; i++) {
    for (let j = i + 1; j < set.length; j++) {
      const a = set[i] as Range;
      const b = set[j] as Range;
      if (rangesOverlap(a, b)) {
        throw new CniError(
          ErrorCode.InvalidConfig,
          `invalid ${key}: ranges ${key}[${i}] (${rangeToString(a)}) and ${key}[${j}] (${rangeToString(b)}) overlap`,
        );
      }
    }
  }
  return set;
}

/** The family of the set's addresses (of its first range; all agree once canonicalised). */
export function rangeSetFamily(set: RangeSet): Family {
  return (set[0] as Range).subnet.ip.family;
}

/** The range of the set that may hand out `ip`, if any. */
export function rangeFor(set: RangeSet, ip: Ip): Range | undefined {
  return set.find((r) => rangeContains(r, ip));
}

/** True when some range of the set may hand out `ip`. */
export function rangeSetContains(set: RangeSet, ip: Ip): boolean {
  return rangeFor(set, ip) !== undefined;
}

/** True when any range of one set overlaps any range of the other. */
export function rangeSetsOverlap(a: RangeSet, b: RangeSet): boolean {
  return a.some((r) => b.some((s) => rangesOverlap(r, s)));
}

/** "start-end,start-end", as the Go plugin names a range set in its messages. */
export function rangeSetToString(set: RangeSet): string {
  return set.map(rangeToString).join(',');
}

/** How many addresses the whole set can hand out. */
export function rangeSetCapacity(set: RangeSet): bigint {
  return set.reduce((n, r) => n + rangeCapacity(r), 0n);
}
