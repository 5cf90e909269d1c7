// The files of a network directory, read the way both plugins must read them: reservation
// files named by IP, and our temporary files, which a killed process may leave behind.
import { closeSync, constants, ftruncateSync, lstatSync, openSync, readFileSync, readSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tryParseIp } from '../addr/index.ts';
import { TEMP_PREFIX } from './index-cache.ts';
import { type Holder, parseHolder } from './store.ts';

/** The lock file the Go plugin flocks too; both implementations serialise on it. */
export const LOCK_FILE = 'lock';
/** Round-robin state per range set index, content = the IP text without a newline. */
export const LAST_RESERVED_PREFIX = 'last_reserved_ip.';
/** Temporary files older than this are leftovers of a killed process. */
const STALE_TEMP_MS = 60_000;

/** A small file's content with one open and one read (reservations are a few dozen bytes). */
export function readContent(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const readBuf = Buffer.allocUnsafe(1024); // below half the pool size: a cheap slice
    const n = readSync(fd, readBuf, 0, readBuf.length, 0);
    return n < readBuf.length ? readBuf.toString('utf8', 0, n) : readFileSync(path, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces a small file's content without truncating it to zero first: ext4 flushes a file
 * truncated to zero when it is closed (auto_da_alloc), which costs ~2 ms here; Go's
 * os.WriteFile pays that on every ADD. A kill between the write and the truncate can leave
 * a longer mixed text, which for last_reserved_ip only moves where round-robin resumes.
 */
export function overwriteFile(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o600);
  try {
    const buf = Buffer.from(text);
    writeSync(fd, buf, 0, buf.length, 0);
    ftruncateSync(fd, buf.length);
  } finally {
    closeSync(fd);
  }
}

/** The holder named by a reservation file; null when it cannot be read or parsed. */
export function readHolder(path: string): Holder {
  try {
    return parseHolder(readContent(path));
  } catch {
    return null;
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
 * whose creator has exited or that are older than a minute. An unreadable file keeps its
 * address taken, held by nobody we can name.
 */
export function scanReservations(dir: string): Map<string, Holder> {
  const entries = new Map<string, Holder>();
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (name.startsWith(TEMP_PREFIX)) {
      try {
        if (creatorGone(name) || now - lstatSync(join(dir, name)).mtimeMs > STALE_TEMP_MS) unlinkSync(join(dir, name));
      } catch {
        // gone already, or not ours to remove
      }
      continue;
    }
    if (tryParseIp(name)) entries.set(name, readHolder(join(dir, name)));
  }
  return entries;
}
