import { closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { flock } from '../sys/index.ts';
import type { StoreLocation } from './config.ts';
import { DiskStore } from './disk-store.ts';
import { LOCK_FILE } from './reservation-files.ts';
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
}

/**
 * Runs `fn` on the network's store while holding an exclusive flock on `<dir>/lock`, as the
 * Go plugin does; the kernel drops the lock if the process dies. Creates `<dataDir>/<name>`
 * with mode 0755 and files with mode 0600.
 */
export function withDiskStore<T>(location: StoreLocation, fn: (store: Store) => T, options: DiskStoreOptions = {}): T {
  const dir = join(location.dataDir, location.network);
  if (options.create === false && !existsSync(dir)) return fn(new MemoryStore());
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const fd = openSync(join(dir, LOCK_FILE), constants.O_RDONLY | constants.O_CREAT, 0o600);
  try {
    flock(fd, 'exclusive');
    const store = new DiskStore(dir, options.rescan === true);
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

