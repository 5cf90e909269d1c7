import { linkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedIndex, dirState, dropIndex, loadIndex, removeLine, saveIndex, setLine, tempName } from './index-cache.ts';
import { LAST_RESERVED_PREFIX, errCode, overwriteFile, readContent, readHolder, scanReservations } from './reservation-files.ts';
import type { Attachment } from '../core/index.ts';
import { type Holder, type Store, formatOwner, parseHolder, sameHolder } from './store.ts';

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

  constructor(dir: string, rescan: boolean) {
    this.dir = dir;
    this.#cache = rescan ? undefined : loadIndex(dir, dirState(dir));
    this.#entries = this.#cache?.entries ?? scanReservations(dir);
    this.#dirty = this.#cache === undefined;
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
    this.#suspect = false;
    this.#dirty = true;
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
    overwriteFile(join(this.dir, `${LAST_RESERVED_PREFIX}${rangeIndex}`), ip);
    return true;
  }

  release(ip: string, holder: Holder): boolean {
    const path = join(this.dir, ip);
    let actual: Holder;
    try {
      actual = parseHolder(readContent(path));
      if (!sameHolder(actual, holder)) {
        this.#entries.set(ip, actual);
        this.#suspect = true;
        return false;
      }
      unlinkSync(path);
    } catch (e) {
      if (errCode(e) === 'EISDIR') return false; // not a reservation file at all
      if (errCode(e) !== 'ENOENT') throw e;
      this.#suspect ||= this.#entries.has(ip);
      this.#entries.delete(ip);
      return false;
    }
    this.#record(ip, undefined);
    return true;
  }

  lastReserved(rangeIndex: number): string | undefined {
    try {
      return readContent(join(this.dir, `${LAST_RESERVED_PREFIX}${rangeIndex}`)).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Removes the temporary file and brings the cache up to date: appends this run's changes,
   * or rewrites it once the journal outgrows the entries by an eighth; drops it when suspect.
   */
  commit(): void {
    this.#dropTemp();
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
      this.#entries.set(ip, readHolder(join(this.dir, ip)));
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
