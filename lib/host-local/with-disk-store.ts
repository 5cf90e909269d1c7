import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { flock, writeAll } from '../sys/index.ts';
import { PlantedEntryError, ensurePrivateDir, entryKind } from '../sys/state-file.ts';
import type { StoreLocation } from './config.ts';
import { DiskStore } from './disk-store.ts';
import { LOCK_FILE, type ReportDamage, errCode } from './reservation-files.ts';
import { MemoryStore, type Store } from './store.ts';

/** Options of {@link withDiskStore}. */
export interface DiskStoreOptions {
  /**
   * Create the network directory when missing; otherwise a missing directory reads as an
   * empty store and nothing is written (DEL, CHECK, STATUS).
   * @default true
   */
  readonly create?: boolean;
  /** Read every file instead of trusting the cache (GC). @default false */
  readonly rescan?: boolean;
  /**
   * Run `fn` again on freshly read files when it found the cache stale. Only for
   * operations that may safely run twice (DEL). @default false
   */
  readonly retryStale?: boolean;
  /** Where damaged and planted entries are named. @default one line per path on stderr */
  readonly report?: (line: string) => void;
}

function stderrLine(line: string): void {
  writeAll(2, line);
}

/**
 * Opens the lock file without following a symbolic link or blocking on a fifo, and only if
 * it is a regular file. Anything else is refused rather than skipped: the Go plugin follows
 * a link there, so locking anything but that very file would break the mutual exclusion
 * both plugins rely on, and following it would let whoever planted it choose what we create.
 * @throws {PlantedEntryError} naming what stands there.
 */
function openLock(dir: string): number {
  const path = join(dir, LOCK_FILE);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ELOOP') throw new PlantedEntryError(path, 'symlink', 'file');
    if (code === 'EISDIR') throw new PlantedEntryError(path, 'directory', 'file');
    if (code === 'ENXIO') throw new PlantedEntryError(path, 'socket', 'file');
    throw e;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new PlantedEntryError(path, st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : 'device', 'file');
  }
  return fd;
}

/**
 * Runs `fn` on the network's store while holding an exclusive flock on `<dir>/lock`, as the
 * Go plugin does; the kernel drops the lock if the process dies. Creates `<dataDir>/<name>`
 * with mode 0700 (Go uses 0755) and files with mode 0600. Damaged and planted entries are
 * named through `options.report`, once per path.
 * @throws {PlantedEntryError} when the network directory or the lock is not what it must be.
 */
export function withDiskStore<T>(location: StoreLocation, fn: (store: Store) => T, options: DiskStoreOptions = {}): T {
  const dir = join(location.dataDir, location.network);
  if (options.create === false) {
    const kind = entryKind(dir);
    if (kind === 'missing') return fn(new MemoryStore());
    if (kind !== 'directory') throw new PlantedEntryError(dir, kind, 'directory');
  } else {
    ensurePrivateDir(dir);
  }
  const sink = options.report ?? stderrLine;
  const reported = new Set<string>();
  const report: ReportDamage = (path, problem) => {
    if (reported.has(path)) return;
    reported.add(path);
    sink(`host-local: ${path}: ${problem}\n`);
  };
  const fd = openLock(dir);
  try {
    flock(fd, 'exclusive');
    const store = new DiskStore(dir, options.rescan === true, report);
    try {
      let result = fn(store);
      if (options.retryStale && store.suspect && !store.rescanned) {
        store.rescan();
        result = fn(store);
      }
      return result;
    } finally {
      store.commit();
    }
  } finally {
    closeSync(fd);
  }
}
