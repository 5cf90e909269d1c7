import { ipEquals, ipToString, tryParseIp } from '../addr/index.ts';
import type { Attachment } from '../core/index.ts';
import { type RangeSet, rangeFor, rangeSetCapacity } from './range-set.ts';
import type { Holder, Store } from './store.ts';

/** What a GC did: the IPs released and the failures it carried on past. */
export interface GcOutcome {
  readonly released: readonly string[];
  readonly errors: readonly string[];
}

/**
 * Releases every reservation whose holder is not among the valid attachments: a legacy
 * holder (container ID only) stays while any valid attachment has that container ID; an
 * unreadable or empty file names nobody and goes. Only names that are IP addresses are
 * reservations, so `lock`, `last_reserved_ip.*` and other files are never touched.
 * Keeps going after a failure and reports them all.
 */
export function collectGarbage(store: Store, valid: readonly Attachment[]): GcOutcome {
  const attachments = new Set(valid.map((a) => `${a.containerId}\n${a.ifname}`));
  const containers = new Set(valid.map((a) => a.containerId));
  const isValid = (h: Holder): boolean =>
    h !== null && (h.ifname === undefined ? containers.has(h.containerId) : attachments.has(`${h.containerId}\n${h.ifname}`));
  const released: string[] = [];
  const errors: string[] = [];
  for (const [name, holder] of [...store.entries()]) {
    if (isValid(holder) || !tryParseIp(name)) continue;
    try {
      if (store.release(name, holder)) released.push(name);
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
    }
  }
  return { released, errors };
}

/**
 * The indexes of the range sets that could not serve another ADD: every address they may
 * hand out (their span minus gateways) is reserved.
 */
export function exhaustedRangeSets(store: Store, sets: readonly RangeSet[]): number[] {
  const used = sets.map(() => 0n);
  for (const name of store.entries().keys()) {
    // Only a file under the canonical name blocks the address (allocation checks that name).
    const ip = tryParseIp(name);
    if (!ip || ipToString(ip) !== name) continue;
    sets.forEach((set, i) => {
      const range = rangeFor(set, ip);
      if (range && !ipEquals(range.gateway, ip)) used[i] = (used[i] as bigint) + 1n;
    });
  }
  return sets.flatMap((set, i) => ((used[i] as bigint) >= rangeSetCapacity(set) ? [i] : []));
}
