import { linkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tryParseIp } from '../addr/index.ts';
import { type LoadedIndex, dirState, dropIndex, loadIndex, removeLine, saveIndex, setLine, tempName } from './index-cache.ts';
import {
  LAST_RESERVED_PREFIX,
  type ReportDamage,
  STALE_MS,
  errCode,
  overwriteSmallFile,
  readReservation,
  readSmallFile,
  scanReservations,
} from './reservation-files.ts';
import type { Attachment } from '../core/index.ts';
import { type Holder, type Store, formatOwner, sameHolder } from './store.ts';

/** File systems without hard links fall back to Go's O_EXCL create-then-write. */
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * The reservations of one network directory, byte-compatible with the Go plugin: one file
 * per IP holding "<containerID>\r\n<ifname>", `last_reserved_ip.<i>`, and `lock`. Use it only
 * inside withDiskStore (with-disk-store.ts), which holds the lock.
 */
export class DiskStore implements Store {
  readonly dir: string;
  #entries: Map<string, Holder>;
  #dirty: boolean;
  #suspect = false;
  #rescanned: boolean;
  #temp: { path: string; content: string } | undefined;
  /** The cache this run started from, while it can still be appended to. */
  #cache: LoadedIndex | undefined;
  /** This run's changes as cache journal lines. */
  #journal = '';
  #journalLines = 0;
  /** Range set index -> IP to record as last reserved, written at commit if still held. */
  readonly #lastReserved = new Map<number, string>();
  readonly #report: ReportDamage;

  /** `report` names each damaged or planted entry met (see reservation-files.ts). */
  constructor(dir: string, rescan: boolean, report: ReportDamage) {
    this.dir = dir;
    this.#report = report;
    this.#cache = rescan ? undefined : loadIndex(dir, dirState(dir), report);
    this.#entries = this.#cache?.entries ?? scanReservations(dir);
    // A cache rebuilt from the files is saved only by a run that changes something: a
    // CHECK, a failed ADD or a DEL of nothing writes nothing.
    this.#dirty = false;
    this.#rescanned = this.#cache === undefined;
  }

  /** True when the files disagreed with the cache (it is then dropped at commit). */
  get suspect(): boolean {
    return this.#suspect;
  }

  /** True when the entries were read from the files in this run rather than the cache. */
  get rescanned(): boolean {
    return this.#rescanned;
  }

  entries(): ReadonlyMap<string, Holder> {
    return this.#entries;
  }

  /** Rereads every reservation file, e.g. after the cache turned out to be stale. */
  rescan(): void {
    this.#entries = scanReservations(this.dir);
    this.#cache = undefined;
    this.#rescanned = true;
    // A cache proven wrong must be rewritten (it still carries a valid stamp); one that was
    // merely stale is left for a run that changes something.
    this.#dirty ||= this.#suspect;
    this.#suspect = false;
  }

  /**
   * Writes the content to a temporary file, then link(2)s it to the IP's name: link fails
   * with EEXIST if the name exists, so the reservation appears exclusively and complete, and
   * a process killed at any instant leaves a whole reservation or none (plus a temporary
   * file that a later scan removes).
   */
  reserve(ip: string, owner: Attachment, rangeIndex: number): boolean {
    const path = join(this.dir, ip);
    const content = formatOwner(owner);
    try {
      linkSync(this.#tempWith(content), path);
    } catch (e) {
      if (errCode(e) === 'EEXIST') return this.#taken(ip);
      if (!NO_LINK.has(errCode(e) ?? '')) throw e;
      try {
        writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
      } catch (e2) {
        if (errCode(e2) === 'EEXIST') return this.#taken(ip);
        throw e2;
      }
    }
    // The temporary name is now a second link to the reservation: drop it, so that every
    // reservation has its own inode, as a file created by the Go plugin does.
    this.#dropTemp();
    this.#record(ip, { containerId: owner.containerId, ifname: owner.ifname });
    // Recorded at commit, and only if still held: a failed ADD that gave back what it had
    // reserved leaves last_reserved_ip as it was.
    this.#lastReserved.set(rangeIndex, ip);
    return true;
  }

  release(ip: string, holder: Holder): boolean {
    const path = join(this.dir, ip);
    const read = readReservation(path, true);
    if (read === undefined) {
      this.#suspect ||= this.#entries.has(ip);
      this.#entries.delete(ip);
      return false;
    }
    if (read.planted) {
      this.#report(path, read.problem as string);
      return false;
    }
    if (!sameHolder(read.holder, holder)) {
      this.#entries.set(ip, read.holder);
      this.#suspect = true;
      return false;
    }
    try {
      unlinkSync(path);
    } catch (e) {
      if (errCode(e) !== 'ENOENT') throw e;
    }
    this.#record(ip, undefined);
    if (read.problem) this.#report(path, `${read.problem}; released it`);
    return true;
  }

  /**
   * Releases each reservation that names nobody (empty, garbage, oversized) and is older than
   * a minute. Both plugins fill a reservation in before they let go of the lock, and we hold
   * it, so such a file is the leftover of a writer killed between create and write (Go
   * creates, then writes) or of a power loss; in neither case was the address handed to a
   * pod. The minute spares a writer that does not take the lock. Planted entries stay.
   */
  reclaimDamaged(): string[] {
    const suspects: string[] = [];
    this.#entries.forEach((holder, ip) => {
      if (holder === null) suspects.push(ip);
    });
    const released: string[] = [];
    const now = Date.now();
    for (const ip of suspects) {
      const path = join(this.dir, ip);
      const read = readReservation(path, true);
      if (read === undefined || read.holder !== null) {
        // Gone or filled in since the cache was written: believe the file.
        if (read === undefined) this.#entries.delete(ip);
        else this.#entries.set(ip, read.holder);
        this.#suspect = true;
        continue;
      }
      if (read.planted || read.mtimeMs === undefined) {
        this.#report(path, read.problem as string);
      } else if (now - read.mtimeMs < STALE_MS) {
        this.#report(path, `${read.problem}; younger than a minute, so left for now (released by a later ADD or DEL, or by GC)`);
      } else {
        try {
          unlinkSync(path);
        } catch (e) {
          if (errCode(e) !== 'ENOENT') throw e;
        }
        this.#record(ip, undefined);
        released.push(ip);
        this.#report(path, `${read.problem}; released it (older than a minute, so no writer is still filling it in)`);
      }
    }
    return released;
  }

  lastReserved(rangeIndex: number): string | undefined {
    const path = join(this.dir, `${LAST_RESERVED_PREFIX}${rangeIndex}`);
    const f = readSmallFile(path);
    if (f.kind === 'missing') return undefined;
    if (f.kind === 'planted') {
      this.#report(path, `a ${f.planted} stands where round-robin state was expected; not following it, starting at the range start`);
      return undefined;
    }
    const text = f.kind === 'text' ? f.text.trim() : '';
    if (f.kind === 'oversized' || !tryParseIp(text)) {
      this.#report(path, `does not hold an IP address (${f.kind === 'oversized' ? `${f.size} bytes` : JSON.stringify(text.slice(0, 40))}); starting at the range start`);
      return undefined;
    }
    return text;
  }

  /**
   * Removes the temporary file and brings the cache up to date: appends this run's changes,
   * or rewrites it once the journal outgrows the entries by an eighth; drops it when suspect.
   */
  commit(): void {
    this.#dropTemp();
    this.#lastReserved.forEach((ip, rangeIndex) => {
      if (!this.#entries.get(ip)) return; // given back by a failed ADD
      const path = join(this.dir, `${LAST_RESERVED_PREFIX}${rangeIndex}`);
      const planted = overwriteSmallFile(path, ip);
      if (planted) this.#report(path, `a ${planted} stands where round-robin state was expected; not writing through it`);
    });
    this.#lastReserved.clear();
    if (this.#suspect) {
      dropIndex(this.dir);
    } else if (this.#dirty) {
      const cache = this.#cache;
      const slack = Math.max(32, this.#entries.size >> 3);
      const append = cache && cache.lines + this.#journalLines <= this.#entries.size + slack;
      saveIndex(this.dir, this.#entries, append ? { bodyLength: cache.bodyLength, journal: this.#journal } : undefined);
    }
    this.#dirty = false;
  }

  #record(ip: string, holder: Holder | undefined): void {
    if (holder === undefined) this.#entries.delete(ip);
    else this.#entries.set(ip, holder);
    this.#journal += holder === undefined ? removeLine(ip) : setLine(ip, holder);
    this.#journalLines += 1;
    this.#dirty = true;
  }

  #taken(ip: string): false {
    if (!this.#entries.has(ip)) {
      // The cache missed a reservation: believe the file, and rebuild the cache next time.
      this.#suspect = true;
      const path = join(this.dir, ip);
      const read = readReservation(path, true);
      if (read?.problem) this.#report(path, read.problem);
      this.#entries.set(ip, read?.holder ?? null);
    }
    return false;
  }

  #dropTemp(): void {
    if (!this.#temp) return;
    try {
      unlinkSync(this.#temp.path);
    } catch {
      // a later scan removes it
    }
    this.#temp = undefined;
  }

  /** A temporary file with the content, reused while link(2) meets taken addresses. */
  #tempWith(content: string): string {
    if (this.#temp?.content === content) return this.#temp.path;
    this.#dropTemp();
    const path = join(this.dir, tempName());
    writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
    this.#temp = { path, content };
    this.#dirty = true; // creating and removing it changes the directory: restamp
    return path;
  }
}
