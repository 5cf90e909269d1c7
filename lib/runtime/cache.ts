import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type AnyResult, convertResult, familyOf } from '../cni/index.ts';
import { PlantedEntryError, ensurePrivateDir, entryKind, readStateFile, removeStateFile } from '../sys/state-file.ts';
import { type CacheEntry, type DecodedCache, decodeCache, encodeCacheEntry } from './cache-format.ts';
import { CacheError } from './errors.ts';

/** libcni's default cache root; every caller should be able to choose another. */
export const DEFAULT_CACHE_DIR = '/var/lib/cni';

/** Which attachment a cache file belongs to. */
export interface CacheKey {
  readonly network: string;
  readonly containerId: string;
  readonly ifname: string;
}

/** One attachment recorded in the cache (libcni NetworkAttachment). */
export interface CachedAttachment {
  readonly containerId: string;
  readonly network: string;
  readonly ifname: string;
  readonly config: Buffer;
  readonly netns?: string | undefined;
  readonly cniArgs?: readonly (readonly [string, string])[] | undefined;
  readonly capabilityArgs?: Readonly<Record<string, unknown>> | undefined;
}

/** The result of reading one cache file for its result. */
export type CachedResultRead =
  | { readonly status: 'missing' }
  | { readonly status: 'ok'; readonly result: AnyResult }
  /** Unreadable, corrupt, or not convertible to the wanted version. */
  | { readonly status: 'bad'; readonly error: CacheError };

function badComponent(s: string): boolean {
  return s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\0');
}

/** Receives what the cache skipped or replaced: damaged or planted entries. */
export type WarningSink = (message: string) => void;

/** The file of an entry another attachment's name points at (copied, or damaged by hand). */
function ownerMismatch(entry: CacheEntry, key: CacheKey): string | undefined {
  const inside = { network: entry.networkName, containerId: entry.containerId, ifname: entry.ifName };
  for (const k of ['network', 'containerId', 'ifname'] as const) {
    if (inside[k] !== key[k]) return `it belongs to network "${inside.network}", container "${inside.containerId}", interface "${inside.ifname}"`;
  }
  return undefined;
}

/**
 * libcni's result cache, file-compatible with Go runtimes: one JSON file per attachment at
 * `<cacheDir>/results/<network>-<containerID>-<ifname>`, directory 0700, file 0600. Writes are
 * atomic (temp file, fsync, rename), so a crash never leaves a half-written entry; reads are
 * tolerant, because after a power loss a stale or empty file must not block a DEL. The
 * directory may hold what someone else put there: an entry is never read through a symbolic
 * link, from a fifo or a directory (lib/sys/state-file.ts), and what is skipped is reported
 * to `onWarning`.
 */
export class ResultCache {
  readonly dir: string;
  private readonly warn: WarningSink;

  constructor(cacheDir: string = DEFAULT_CACHE_DIR, onWarning: WarningSink = () => {}) {
    this.dir = cacheDir;
    this.warn = onWarning;
  }

  /**
   * The file of one attachment.
   * @throws CacheError when a part is empty or could escape the directory.
   */
  pathFor(key: CacheKey): string {
    const parts = [
      ['network name', key.network],
      ['container ID', key.containerId],
      ['interface name', key.ifname],
    ] as const;
    for (const [what, value] of parts) {
      if (badComponent(value)) {
        throw new CacheError(`cache file path needs a usable ${what}, got ${JSON.stringify(value)} (empty, "." or "..", or with "/")`);
      }
    }
    return join(this.dir, 'results', `${key.network}-${key.containerId}-${key.ifname}`);
  }

  /**
   * Stores the result of a successful ADD.
   * @throws CacheError: libcni fails the ADD when the cache cannot be written.
   */
  async write(entry: CacheEntry): Promise<void> {
    const file = this.pathFor({ network: entry.networkName, containerId: entry.containerId, ifname: entry.ifName });
    const dir = join(this.dir, 'results');
    const tmp = join(dir, `.${entry.networkName}-${entry.containerId}-${entry.ifName}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      ensurePrivateDir(dir);
      const kind = entryKind(file);
      if (kind !== 'missing' && kind !== 'file') this.warn(`${file} is a ${kind} where a cache file was expected; replacing the ${kind} itself, not following it`);
      // O_EXCL and O_NOFOLLOW: the temporary name is new, never a planted link or file
      const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        await fh.writeFile(encodeCacheEntry(entry));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file); // replaces a link itself, never its target
      await syncDir(dir);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      const why = (e as NodeJS.ErrnoException).code === 'EISDIR' ? new PlantedEntryError(file, 'directory', 'file').message : (e as Error).message;
      throw new CacheError(`failed to write cache file ${file}: ${why}`, { path: file, cause: e });
    }
  }

  /**
   * The decoded file, undefined when it does not exist. A planted entry and a file naming
   * another attachment inside are "corrupt" with the reason.
   */
  private readDecoded(key: CacheKey): DecodedCache | undefined {
    const file = this.pathFor(key);
    let read;
    try {
      read = readStateFile(file);
    } catch (e) {
      throw new CacheError(`failed to read cache file ${file}: ${(e as Error).message}`, { path: file, cause: e });
    }
    if (read.kind === 'missing') return undefined;
    if (read.kind === 'planted') return { kind: 'corrupt', reason: read.error.message };
    const decoded = decodeCache(read.text);
    const mismatch = decoded.kind === 'v1' ? ownerMismatch(decoded.entry, key) : undefined;
    return mismatch ? { kind: 'corrupt', reason: mismatch } : decoded;
  }

  /**
   * The cached ADD result converted to `version` (what DEL and CHECK pass as prevResult).
   * Never throws: a missing file and a bad one are different outcomes the caller handles.
   */
  async readResult(key: CacheKey, version: string): Promise<CachedResultRead> {
    let decoded;
    try {
      decoded = this.readDecoded(key);
    } catch (e) {
      return { status: 'bad', error: e instanceof CacheError ? e : new CacheError((e as Error).message, { cause: e }) };
    }
    if (decoded === undefined) return { status: 'missing' };
    const where = `cached result of network "${key.network}" (container ${key.containerId}, ${key.ifname})`;
    if (decoded.kind === 'corrupt') return { status: 'bad', error: new CacheError(`unusable ${where}: ${decoded.reason}`) };
    const raw = decoded.kind === 'v1' ? decoded.entry.result : decoded.result;
    if (!raw) return { status: 'bad', error: new CacheError(`unusable ${where}: it holds no result`) };
    const from = raw.cniVersion;
    if (typeof from !== 'string' || familyOf(from) === undefined) {
      return { status: 'bad', error: new CacheError(`unusable ${where}: unsupported result version ${JSON.stringify(from)}`) };
    }
    try {
      return { status: 'ok', result: convertResult(raw as unknown as AnyResult, version) };
    } catch (e) {
      return {
        status: 'bad',
        error: new CacheError(`failed to convert ${where} to config version "${version}": ${(e as Error).message}`, { cause: e }),
      };
    }
  }

  /**
   * The cached v1 entry (config bytes and the ADD's arguments); undefined when missing.
   * @throws CacheError when the file is unreadable, corrupt, or a pre-v1 file (which has no config).
   */
  async readEntry(key: CacheKey): Promise<CacheEntry | undefined> {
    const decoded = this.readDecoded(key);
    if (decoded === undefined) return undefined;
    if (decoded.kind === 'v1') return decoded.entry;
    const why = decoded.kind === 'corrupt' ? decoded.reason : 'it is a pre-v1 cache file, which holds no config';
    throw new CacheError(`failed to read cached network "${key.network}" config: ${why}`, { path: this.pathFor(key) });
  }

  /**
   * Deletes one entry; a missing file or an unusable key is not an error (DEL is idempotent).
   * A symbolic link or fifo in its place is removed itself (unlink never follows).
   * @throws CacheError when it cannot be removed (a directory planted in its place)
   */
  async remove(key: CacheKey): Promise<void> {
    let file: string;
    try {
      file = this.pathFor(key);
    } catch {
      return;
    }
    try {
      removeStateFile(file);
    } catch (e) {
      throw new CacheError(`failed to remove cache file ${file}: ${(e as Error).message}`, { path: file, cause: e });
    }
  }

  /**
   * Every attachment in the cache, optionally only those of one container (libcni
   * GetCachedAttachments): files scanned in name order, only complete v1 entries with a
   * network and interface name. A missing cache directory holds no attachments. Damaged and
   * planted entries are reported to `onWarning` and skipped: their attachment is unknown.
   */
  async attachments(containerId?: string): Promise<CachedAttachment[]> {
    const dir = join(this.dir, 'results');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new CacheError(`failed to list cache directory ${dir}: ${(e as Error).message}`, { path: dir, cause: e });
    }
    const out: CachedAttachment[] = [];
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue; // our temp files
      if (containerId) {
        const part = `-${containerId}-`;
        const pos = name.indexOf(part);
        if (pos <= 0 || pos + part.length >= name.length) continue;
      }
      const file = join(dir, name);
      let read;
      try {
        read = readStateFile(file);
      } catch (e) {
        this.warn(`skipping cache file ${file}: ${(e as Error).message}`);
        continue;
      }
      if (read.kind === 'missing') continue; // removed meanwhile
      if (read.kind === 'planted') {
        this.warn(`skipping ${read.error.message}`);
        continue;
      }
      const decoded = decodeCache(read.text);
      if (decoded.kind === 'corrupt') {
        this.warn(`skipping cache file ${file}, its attachment is unknown: ${decoded.reason}`);
        continue;
      }
      if (decoded.kind !== 'v1') continue;
      const e = decoded.entry;
      if (containerId && e.containerId !== containerId) continue;
      if (e.ifName === '' || e.networkName === '') continue;
      if (name !== `${e.networkName}-${e.containerId}-${e.ifName}`) {
        this.warn(`skipping cache file ${file}: it names network "${e.networkName}", container "${e.containerId}", interface "${e.ifName}" inside`);
        continue;
      }
      out.push({
        containerId: e.containerId,
        network: e.networkName,
        ifname: e.ifName,
        config: e.config,
        netns: e.netns,
        cniArgs: e.cniArgs,
        capabilityArgs: e.capabilityArgs,
      });
    }
    return out;
  }
}

/** Makes the rename durable; some filesystems refuse to fsync a directory, which is harmless. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort: the data itself is already synced
  }
}
