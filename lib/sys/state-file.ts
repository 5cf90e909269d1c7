// The files the suite keeps between invocations (IPAM reservations, portmap's records, the
// runtime's cache) live in directories that another process, an older version or someone
// with write access there may have touched. A state file is therefore never opened through a
// symbolic link (O_NOFOLLOW), never read unless it is a regular file (a fifo would block the
// plugin, a device could be anything), created with O_EXCL so a planted entry is never
// reused, and its directory is created 0700. What is planted is reported and skipped, not
// followed. Node's fs is used here, not libc: the plugins that keep state load it anyway, and
// this module is imported by path (not through lib/sys/index.ts) so that loopback does not.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';

/** What stands at a path where a state file (or directory) was expected. */
export type EntryKind = 'missing' | 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'device';

/** A planted entry: something other than what the suite writes, where it writes. */
export class PlantedEntryError extends Error {
  constructor(
    readonly path: string,
    readonly kind: EntryKind,
    expected: 'file' | 'directory',
  ) {
    super(`${path} is a ${kind} where a ${expected} was expected; not following it (remove it if it is not yours)`);
    this.name = 'PlantedEntryError';
  }
}

/** The kind of entry at `path`, without following a symbolic link. */
export function entryKind(path: string): EntryKind {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'device';
}

/**
 * Makes `dir` (and missing parents) with mode 0700 for what it creates, and refuses a
 * directory that is a symbolic link or not a directory at all.
 * @throws {PlantedEntryError} when `dir` exists and is not a real directory.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const kind = entryKind(dir);
  if (kind !== 'directory') throw new PlantedEntryError(dir, kind, 'directory');
}

/** The outcome of reading a state file: its text, nothing there, or something planted. */
export type StateRead = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'missing' } | { readonly kind: 'planted'; readonly error: PlantedEntryError };

/** Larger than any state file the suite writes; a bigger one is damage, read no further. */
const MAX_STATE_BYTES = 1 << 20;

/**
 * Reads a state file without following a symbolic link or blocking on a fifo, and only if it
 * is a regular file. At most 1 MiB is read: nothing the suite writes is larger.
 */
export function readStateFile(path: string): StateRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP') return { kind: 'planted', error: new PlantedEntryError(path, 'symlink', 'file') };
    if (code === 'ENXIO') return { kind: 'planted', error: new PlantedEntryError(path, 'socket', 'file') };
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'planted', error: new PlantedEntryError(path, kindOfStat(st), 'file') };
    const size = Math.min(st.size, MAX_STATE_BYTES);
    const buf = Buffer.allocUnsafe(Math.max(size, 1));
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { kind: 'text', text: buf.toString('utf8', 0, off) };
  } finally {
    closeSync(fd);
  }
}

function kindOfStat(st: ReturnType<typeof fstatSync>): EntryKind {
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'device';
}

/** Writes all of `data` to a new file opened with O_EXCL and O_NOFOLLOW (mode 0600). */
function writeNew(path: string, data: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const buf = Buffer.from(data);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `path` with `data` only if nothing is there (O_EXCL, so neither a planted file
 * nor a symbolic link is ever written through). Returns false when something exists.
 */
export function createStateFile(path: string, data: string): boolean {
  try {
    writeNew(path, data);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Replaces `path` with `data` atomically: a new temporary file beside it (O_EXCL, O_NOFOLLOW)
 * renamed over it. rename(2) replaces a symbolic link itself, never its target; a directory
 * planted at `path` makes it fail.
 * @throws {PlantedEntryError} when `path` is a directory.
 */
export function replaceStateFile(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.floor(Math.random() * 2 ** 32).toString(16)}`;
  writeNew(tmp, data);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') throw new PlantedEntryError(path, 'directory', 'file');
    throw e;
  }
}

/**
 * Removes a state file; already gone is fine. A symbolic link is removed itself (unlink never
 * follows); a directory planted in its place is reported, not removed.
 * @throws {PlantedEntryError} when `path` is a directory.
 */
export function removeStateFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'EISDIR' || code === 'EPERM') {
      if (entryKind(path) === 'directory') throw new PlantedEntryError(path, 'directory', 'file');
    }
    throw e;
  }
}
