import { type Ip, ipEquals, ipToString, tryParseIp, unmapIPv4 } from '../addr/index.ts';
import { type Range, rangeContains } from './range.ts';
import { type RangeSet, rangeFor, rangeSetCapacity, rangeSetContains, rangeSetToString } from './range-set.ts';
import type { Attachment } from '../core/index.ts';
import type { Holder, Store } from './store.ts';

/** Allocation failed: range exhausted, requested address taken, duplicate attachment. */
export class AllocationError extends Error {
  override readonly name = 'AllocationError';
}

/** One address handed out, with the range it came from (for the prefix and the gateway). */
export interface Allocation {
  readonly ip: Ip;
  readonly range: Range;
  readonly rangeIndex: number;
}

/** What an ADD asks for: the attachment and the addresses requested for it, if any. */
export interface AllocationRequest {
  readonly owner: Attachment;
  readonly requested: readonly Ip[];
}

/** A reservation found by holder: its file name, parsed address and holder. */
export interface HeldReservation {
  readonly name: string;
  readonly ip: Ip;
  readonly holder: Holder;
}

function parseName(name: string): Ip | undefined {
  const ip = tryParseIp(name);
  return ip && unmapIPv4(ip);
}

function holdersMatching(store: Store, test: (h: NonNullable<Holder>) => boolean): HeldReservation[] {
  const out: HeldReservation[] = [];
  // forEach, not for-of with destructuring: several times cheaper before the JIT warms up,
  // and a plugin process never gets warm.
  store.entries().forEach((holder, name) => {
    if (holder === null || !test(holder)) return;
    const ip = parseName(name);
    if (ip) out.push({ name, ip, holder });
  });
  return out;
}

/**
 * The reservations of an attachment, matched as the Go plugin's DEL and CHECK do: files
 * holding "<containerID>\r\n<ifname>"; when there are none, legacy files holding only "<containerID>".
 */
export function findHeld(store: Store, owner: Attachment): HeldReservation[] {
  const exact = holdersMatching(store, (h) => h.containerId === owner.containerId && h.ifname === owner.ifname);
  return exact.length ? exact : holdersMatching(store, (h) => h.containerId === owner.containerId && h.ifname === undefined);
}

/** Releases every reservation of the attachment (see findHeld); returns the IPs released. */
export function releaseAttachment(store: Store, owner: Attachment): string[] {
  return findHeld(store, owner)
    .filter((r) => store.release(r.name, r.holder))
    .map((r) => r.name);
}

/**
 * The round-robin walk over a range set, as the Go plugin's iterator: start just after the
 * last reserved address when it lies in the set (else at the first range's start), run to
 * each rangeEnd, continue with the next range, wrap around, and stop after visiting every
 * address once. Each range's own gateway is skipped.
 */
export function* candidates(set: RangeSet, last: Ip | undefined): Generator<{ ip: Ip; range: Range }> {
  const family = (set[0] as Range).subnet.ip.family;
  let idx = last ? set.findIndex((r) => rangeContains(r, last)) : -1;
  let cur: bigint;
  const advance = (): void => {
    const r = set[idx] as Range;
    if (cur === r.rangeEnd.value) {
      idx = (idx + 1) % set.length;
      cur = (set[idx] as Range).rangeStart.value;
    } else {
      cur += 1n;
    }
  };
  if (idx >= 0 && last) {
    cur = last.value;
    advance();
  } else {
    idx = 0;
    cur = (set[0] as Range).rangeStart.value;
  }
  const total = set.reduce((n, r) => n + (r.rangeEnd.value - r.rangeStart.value + 1n), 0n);
  for (let n = 0n; n < total; n++) {
    const range = set[idx] as Range;
    if (cur !== range.gateway.value) yield { ip: { family, value: cur }, range };
    advance();
  }
}

function allocateFromSet(store: Store, set: RangeSet, index: number, req: AllocationRequest, requested: Ip | undefined): Allocation {
  // One attachment gets one address per set; a second ADD without a DEL is a runtime bug.
  const held = holdersMatching(store, (h) => h.containerId === req.owner.containerId && (h.ifname === req.owner.ifname || h.ifname === undefined));
  const dup = held.find((h) => rangeSetContains(set, h.ip));
  if (dup) throw new AllocationError(`${dup.name} has been allocated to ${req.owner.containerId}, duplicate allocation is not allowed`);

  if (requested) {
    const range = rangeFor(set, requested) as Range;
    const text = ipToString(requested);
    if (ipEquals(requested, range.gateway)) throw new AllocationError(`requested ip ${text} is subnet's gateway`);
    if (!store.reserve(text, req.owner, index)) {
      throw new AllocationError(`requested IP address ${text} is not available in range set ${rangeSetToString(set)}`);
    }
    return { ip: requested, range, rangeIndex: index };
  }

  const lastText = store.lastReserved(index);
  const last = lastText === undefined ? undefined : parseName(lastText);
  const taken = store.entries();
  for (const { ip, range } of candidates(set, last)) {
    const text = ipToString(ip);
    if (!taken.has(text) && store.reserve(text, req.owner, index)) return { ip, range, rangeIndex: index };
  }
  throw new AllocationError(`no IP addresses available in range set: ${rangeSetToString(set)}`);
}

/**
 * The reasons allocateFromSet would fail that the known entries already show (duplicate
 * attachment, requested address taken or a gateway, no free address), checked for every
 * set before anything is reserved: an ADD that cannot succeed then writes nothing.
 */
function precheckSet(store: Store, set: RangeSet, req: AllocationRequest, requested: Ip | undefined): void {
  const held = holdersMatching(store, (h) => h.containerId === req.owner.containerId && (h.ifname === req.owner.ifname || h.ifname === undefined));
  const dup = held.find((h) => rangeSetContains(set, h.ip));
  if (dup) throw new AllocationError(`${dup.name} has been allocated to ${req.owner.containerId}, duplicate allocation is not allowed`);
  const taken = store.entries();
  if (requested) {
    const text = ipToString(requested);
    if (ipEquals(requested, (rangeFor(set, requested) as Range).gateway)) throw new AllocationError(`requested ip ${text} is subnet's gateway`);
    if (taken.has(text)) throw new AllocationError(`requested IP address ${text} is not available in range set ${rangeSetToString(set)}`);
    return;
  }
  // Fewer entries than the set has addresses: one is free, no need to look (the common case).
  if (BigInt(taken.size) < rangeSetCapacity(set)) return;
  for (const { ip } of candidates(set, undefined)) if (!taken.has(ipToString(ip))) return;
  throw new AllocationError(`no IP addresses available in range set: ${rangeSetToString(set)}`);
}

/** Which requested address (if any) each set serves: the first set that may hand it out. */
function assignRequested(sets: readonly RangeSet[], requested: readonly Ip[]): { perSet: (Ip | undefined)[]; unserved: Ip[] } {
  const pending = [...requested];
  const perSet = sets.map((set) => {
    const at = pending.findIndex((ip) => rangeSetContains(set, ip));
    return at >= 0 ? pending.splice(at, 1)[0] : undefined;
  });
  return { perSet, unserved: pending };
}

const inRange = <T>(i: number, fn: () => T): T => {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AllocationError) throw new AllocationError(`failed to allocate for range ${i}: ${e.message}`);
    throw e;
  }
};

/**
 * Allocates one address from every range set, in order, honouring requested addresses (each
 * goes to the first set that may hand it out). Fails before reserving anything when the known
 * entries show it cannot succeed; on a later failure (entries found stale), releases what this
 * call already reserved, so an ADD takes all its addresses or none.
 * @throws {AllocationError} naming the range set index and the reason.
 */
export function allocate(store: Store, sets: readonly RangeSet[], req: AllocationRequest): Allocation[] {
  const { perSet, unserved } = assignRequested(sets, req.requested);
  sets.forEach((set, i) => inRange(i, () => precheckSet(store, set, req, perSet[i])));
  if (unserved.length) throw new AllocationError(`failed to allocate all requested IPs: ${unserved.map(ipToString).join(' ')}`);
  const done: Allocation[] = [];
  try {
    sets.forEach((set, i) => {
      done.push(inRange(i, () => allocateFromSet(store, set, i, req, perSet[i])));
    });
    return done;
  } catch (e) {
    const holder = { containerId: req.owner.containerId, ifname: req.owner.ifname };
    for (const a of done) store.release(ipToString(a.ip), holder);
    throw e;
  }
}
