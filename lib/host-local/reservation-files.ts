// The files of a network directory, read the way both plugins must read them: reservation
// files named by IP, and our temporary files, which a killed process may leave behind.
//
// Anyone with write access to the directory (another process, an older version, an attacker)
// may have planted a symbolic link, a fifo or a directory where a file is expected. Every
// open here uses O_NOFOLLOW (a link is never followed) and O_NONBLOCK (a fifo never blocks
// us); a write first ftruncate(2)s, which fails on anything but a regular file, so nothing is
// written through a planted entry. The common case costs no syscall more than before.
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, openSync, readSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tryParseIp } from '../addr/index.ts';
import type { EntryKind } from '../sys/state-file.ts';
import { TEMP_PREFIX } from './index-cache.ts';
import { type Holder, parseHolder } from './store.ts';

/** The lock file the Go plugin flocks too; both implementations serialise on it. */
export const LOCK_FILE = 'lock';
/** Round-robin state per range set index, content = the IP text without a newline. */
export const LAST_RESERVED_PREFIX = 'last_reserved_ip.';
/** Temporary files older than this are leftovers of a killed process. */
export const STALE_MS = 60_000;
/** Larger than any reservation or last_reserved_ip file either plugin writes. */
const MAX_SMALL_FILE = 1024;

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Names damage on stderr: the path and what is wrong with it. */
export type ReportDamage = (path: string, problem: string) => void;

/**
 * A small state file as read: its text, or what stands there instead. `planted` is set for
 * anything that is not a regular file; `mtimeMs` only when the file was fstat'ed.
 */
export type SmallFile =
  | { readonly kind: 'text'; readonly text: string; readonly mtimeMs?: number | undefined }
  | { readonly kind: 'oversized'; readonly size: number; readonly mtimeMs?: number | undefined }
  | { readonly kind: 'planted'; readonly planted: EntryKind }
  | { readonly kind: 'missing' };

function kindOf(st: ReturnType<typeof fstatSync>): EntryKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'device';
}

const readBuf = Buffer.allocUnsafe(MAX_SMALL_FILE + 1);

/**
 * Reads a small file with one open and one read, never through a symbolic link nor blocking
 * on a fifo. With `verify`, fstat(2) proves it a regular file (and gives its mtime); without,
 * fstat runs only when the read found nothing or failed, to name what is there.
 */
export function readSmallFile(path: string, verify = false): SmallFile {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP') return { kind: 'planted', planted: 'symlink' };
    if (code === 'ENXIO') return { kind: 'planted', planted: 'socket' };
    throw e;
  }
  try {
    let mtimeMs: number | undefined;
    if (verify) {
      const st = fstatSync(fd);
      if (!st.isFile()) return { kind: 'planted', planted: kindOf(st) };
      mtimeMs = st.mtimeMs;
    }
    let n: number;
    try {
      n = readSync(fd, readBuf, 0, readBuf.length, 0);
    } catch (e) {
      if (verify) throw e;
      const st = fstatSync(fd); // EISDIR, EAGAIN on a fifo with a writer, ...: say what it is
      if (!st.isFile()) return { kind: 'planted', planted: kindOf(st) };
      throw e;
    }
    if (n === 0 && !verify) {
      const st = fstatSync(fd);
      if (!st.isFile()) return { kind: 'planted', planted: kindOf(st) };
    }
    if (n > MAX_SMALL_FILE) return { kind: 'oversized', size: fstatSync(fd).size, mtimeMs };
    return { kind: 'text', text: readBuf.toString('utf8', 0, n), mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** A reservation file's holder (null: names nobody) and what is wrong with it, if anything. */
export interface ReadReservation {
  readonly holder: Holder;
  readonly problem?: string | undefined;
  /** True when something other than a regular file stands at the name. */
  readonly planted?: boolean;
  readonly mtimeMs?: number | undefined;
}

/** What a damaged or planted reservation file is, in words for stderr. */
export function describeSmallFile(f: SmallFile, holder: Holder): string | undefined {
  if (f.kind === 'planted') return `a ${f.planted} stands where a reservation file was expected; not following it, the address stays taken until it is removed`;
  if (f.kind === 'oversized') return `reservation file of ${f.size} bytes (larger than any reservation): names no container`;
  if (f.kind === 'text' && holder === null) {
    return f.text.trim() === '' ? 'empty reservation file: names no container' : 'reservation file holds garbage: names no container';
  }
  return undefined;
}

/** Reads a reservation file (see readSmallFile); missing reads as undefined. */
export function readReservation(path: string, verify: boolean): ReadReservation | undefined {
  const f = readSmallFile(path, verify);
  if (f.kind === 'missing') return undefined;
  const holder = f.kind === 'text' ? parseHolder(f.text) : null;
  const mtimeMs = f.kind === 'text' || f.kind === 'oversized' ? f.mtimeMs : undefined;
  return { holder, problem: describeSmallFile(f, holder), planted: f.kind === 'planted', mtimeMs };
}

/**
 * Replaces a small file's content without truncating it to zero first: ext4 flushes a file
 * truncated to zero when it is closed (auto_da_alloc), which costs ~2 ms here; Go's
 * os.WriteFile pays that on every ADD. ftruncate(2) comes first because it fails on anything
 * but a regular file, so a planted fifo or device is never written to. A kill between the two
 * leaves a wrong text, which for last_reserved_ip only moves where round-robin resumes.
 * Returns what stands there instead when it is not a regular file (nothing written).
 */
export function overwriteSmallFile(path: string, text: string): EntryKind | undefined {
  let fd: number;
  try {
    fd = openSync(path, WRITE_FLAGS, 0o600);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ELOOP') return 'symlink';
    if (code === 'ENXIO') return 'fifo';
    if (code === 'EISDIR') return 'directory';
    throw e;
  }
  try {
    const buf = Buffer.from(text);
    try {
      ftruncateSync(fd, buf.length);
    } catch (e) {
      if (errCode(e) === 'EINVAL') return kindOf(fstatSync(fd));
      throw e;
    }
    writeSync(fd, buf, 0, buf.length, 0);
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The errno code of a Node fs error. */
export function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/**
 * Whether the process named in a temporary file's name (`.tmp-<pid>-...`) has exited. Scans
 * run under the network's lock, which every writer of temporary files holds, so such a file
 * is the leftover of a killed run and can go at once instead of a minute later.
 */
function creatorGone(name: string): boolean {
  const pid = Number(/^\.tmp-(\d+)-/.exec(name)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return errCode(e) === 'ESRCH';
  }
}

/**
 * Reads every reservation file (names that are IP addresses) and removes temporary files
 * whose creator has exited or that are older than a minute. A damaged file keeps its address
 * taken, held by nobody we can name (null), and so does a planted entry, which is not even
 * opened (its type comes from readdir). Neither is reported here: whoever acts on a null
 * holder re-reads the file and says what it found (DiskStore.reclaimDamaged, DiskStore.release).
 */
export function scanReservations(dir: string): Map<string, Holder> {
  const entries = new Map<string, Holder>();
  const now = Date.now();
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const name = ent.name;
    if (name.startsWith(TEMP_PREFIX)) {
      try {
        if (creatorGone(name) || now - lstatSync(join(dir, name)).mtimeMs > STALE_MS) unlinkSync(join(dir, name));
      } catch {
        // gone already, or not ours to remove
      }
      continue;
    }
    if (!tryParseIp(name)) continue;
    if (!ent.isFile()) {
      entries.set(name, null);
      continue;
    }
    try {
      const r = readReservation(join(dir, name), false);
      if (r !== undefined) entries.set(name, r.holder);
    } catch {
      entries.set(name, null); // unreadable: taken, by nobody we can name
    }
  }
  return entries;
}
