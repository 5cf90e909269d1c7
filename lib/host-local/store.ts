// The seam between the pure allocator and the node's disk: one reservation per IP, named by
// the IP's canonical text (the file name the Go plugin uses), held by an attachment.

import type { Attachment } from '../core/index.ts';

/** A legacy (pre-0.7) reservation's holder: the file recorded only the container ID. */
export interface LegacyHolder {
  readonly containerId: string;
  readonly ifname?: undefined;
}

/**
 * Who holds a reservation: the attachment that made it, or only its container in legacy files;
 * null when the file is empty, truncated or unreadable.
 */
export type Holder = Attachment | LegacyHolder | null;

/**
 * The reservations of one network. Synchronous: a plugin process does one thing at a time,
 * under the store's lock, and the disk store uses the fs.*Sync calls.
 */
export interface Store {
  /** Every reservation: IP text (file name) -> holder. */
  entries(): ReadonlyMap<string, Holder>;
  /**
   * Reserves `ip` for the attachment and records it as range set `rangeIndex`'s last
   * reservation (round-robin). Returns false when the IP is already taken.
   */
  reserve(ip: string, owner: Attachment, rangeIndex: number): boolean;
  /** Removes the reservation if `holder` still holds it; returns whether it did. */
  release(ip: string, holder: Holder): boolean;
  /** The IP text last reserved from range set `rangeIndex`, if recorded. */
  lastReserved(rangeIndex: number): string | undefined;
  /**
   * Releases reservations that name no container (empty or garbage files) once they are old
   * enough that no writer can still be filling them in; returns the IPs released.
   */
  reclaimDamaged(): string[];
}

/**
 * Parses a reservation file the way the Go plugin matches it (whitespace-trimmed content):
 * "<containerID>\r\n<ifname>", or a legacy "<containerID>"; anything else holds the IP for
 * nobody we can name. Control characters and invalid UTF-8 (zeros left by a power loss,
 * binary garbage) never belong to a container ID or an interface name.
 */
export function parseHolder(content: string): Holder {
  const text = content.trim();
  const m = /^([^\s\x00-\x1f\x7f\ufffd]+)\r\n([^\s\x00-\x1f\x7f\ufffd]+)$/.exec(text);
  if (m) return { containerId: m[1] as string, ifname: m[2] as string };
  if (/^[^\s\x00-\x1f\x7f\ufffd]+$/.test(text)) return { containerId: text };
  return null;
}

/** The file content for a reservation, byte-identical to the Go plugin's. */
export function formatOwner(owner: Attachment): string {
  return `${owner.containerId}\r\n${owner.ifname}`;
}

/** True when both name the same holder (both unknown counts as the same). */
export function sameHolder(a: Holder, b: Holder): boolean {
  if (a === null || b === null) return a === b;
  return a.containerId === b.containerId && a.ifname === b.ifname;
}

/** An in-memory store: the allocator's test double, and the view of a network never used. */
export class MemoryStore implements Store {
  readonly #entries = new Map<string, Holder>();
  readonly #last = new Map<number, string>();

  constructor(initial: Iterable<readonly [string, Holder]> = []) {
    for (const [ip, holder] of initial) this.#entries.set(ip, holder);
  }

  entries(): ReadonlyMap<string, Holder> {
    return this.#entries;
  }

  reserve(ip: string, owner: Attachment, rangeIndex: number): boolean {
    if (this.#entries.has(ip)) return false;
    this.#entries.set(ip, { containerId: owner.containerId, ifname: owner.ifname });
    this.#last.set(rangeIndex, ip);
    return true;
  }

  release(ip: string, holder: Holder): boolean {
    const current = this.#entries.get(ip);
    if (current === undefined || !sameHolder(current, holder)) return false;
    this.#entries.delete(ip);
    return true;
  }

  lastReserved(rangeIndex: number): string | undefined {
    return this.#last.get(rangeIndex);
  }

  /** Memory has no damaged files: nothing to reclaim. */
  reclaimDamaged(): string[] {
    return [];
  }

  /** Test helper: pretend an earlier run reserved `ip` last for range set `rangeIndex`. */
  setLastReserved(rangeIndex: number, ip: string): void {
    this.#last.set(rangeIndex, ip);
  }
}
