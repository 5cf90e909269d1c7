// Appending whole lines to a log file that many plugin processes write at once, and keeping
// its size bounded. Through libc like the rest of a plugin's file I/O (lib/sys/file.ts: no
// node:fs in a plugin process).
import { EINTR, ENOENT } from './errno.ts';
import { SysError } from './errors.ts';
import { fileIdentity, O_CLOEXEC, O_NONBLOCK, O_WRONLY } from './file.ts';
import { flock } from './flock.ts';
import { getLibc, lastErrno } from './libc.ts';

const O_CREAT = 0o100;
const O_APPEND = 0o2000;
/** Container IDs and namespace paths are nobody else's business: owner only. */
const LOG_MODE = 0o600;
/** Larger than struct stat on every 64-bit Linux ABI. */
const STAT_BYTES = 256;
/** st_size's offset in struct stat on x86-64 and on the generic ABI (arm64) alike. */
const ST_SIZE_OFFSET = 48;
/** Rotations one append may see before it writes wherever it is (a storm of writers at the cap). */
const MAX_REOPENS = 3;

function openForAppend(path: string): number {
  // O_NONBLOCK: a FIFO without a reader fails at once (ENXIO) instead of hanging the plugin;
  // it changes nothing for a regular file
  const fd = getLibc().openCreate(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, LOG_MODE);
  if (fd < 0) throw new SysError('open', lastErrno(), { detail: path });
  return fd;
}

function sizeOf(fd: number): number {
  const buf = new Uint8Array(STAT_BYTES);
  if (getLibc().fstat(fd, buf) < 0) throw new SysError('fstat', lastErrno(), { detail: `fd ${fd}` });
  return Number(new DataView(buf.buffer).getBigInt64(ST_SIZE_OFFSET, true));
}

/** True while `path` still names the file open as `fd` (no one has rotated it away). */
function stillNamed(path: string, fd: number): boolean {
  let named;
  try {
    named = fileIdentity(path);
  } catch (e) {
    if (e instanceof SysError && e.errno === ENOENT) return false;
    throw e;
  }
  const open = fileIdentity(fd);
  return named.dev === open.dev && named.ino === open.ino;
}

/**
 * One write(2) of the whole line on an O_APPEND descriptor: the kernel puts it at the end of
 * the file in one piece, so lines of concurrent writers never mix. A short write (a full disk)
 * is reported, not completed: a second write could land after another writer's line.
 */
function writeWhole(fd: number, data: Uint8Array, path: string): void {
  const libc = getLibc();
  for (;;) {
    const n = libc.write(fd, data, data.length);
    if (n === data.length) return;
    if (n >= 0) throw new Error(`short write to ${path} (${n} of ${data.length} bytes)`);
    const errno = lastErrno();
    if (errno !== EINTR) throw new SysError('write', errno, { detail: path });
  }
}

/**
 * Appends `line` to the file `path` (created with mode 0600), rotating it first when the line
 * would take it past `maxBytes`: the file becomes `<path>.1` (replacing an older one) and the
 * line starts a new file, so the log takes at most about twice the cap. Rotation is race-safe
 * without a lock in the common case: only a writer that finds the file full takes flock(2) on
 * it, and renames it only if the path still names that same file (a writer that waited while
 * another rotated opens the new file instead). A writer that checked the size just before a
 * rotation appends its line to `<path>.1`: whole, one line late, never lost.
 * @throws {SysError} open, fstat, stat, flock, rename or write failed (EISDIR, ENOENT, EACCES, ENOSPC, ...).
 */
export function appendLogLine(path: string, line: string, maxBytes: number): void {
  if (path.includes('\0')) throw new TypeError(`appendLogLine: NUL byte in path: ${JSON.stringify(path)}`);
  const data = Buffer.from(line);
  const libc = getLibc();
  for (let reopens = 0; ; reopens++) {
    const fd = openForAppend(path);
    try {
      const size = sizeOf(fd);
      if (size === 0 || size + data.length <= maxBytes || reopens >= MAX_REOPENS) {
        writeWhole(fd, data, path);
        return;
      }
      flock(fd, 'exclusive'); // released by close
      if (stillNamed(path, fd) && sizeOf(fd) + data.length > maxBytes) {
        if (libc.rename(path, `${path}.1`) < 0) throw new SysError('rename', lastErrno(), { detail: `${path} -> ${path}.1` });
      }
      // rotated, by us or by the writer we waited for: the line goes to the file now at `path`
    } finally {
      libc.close(fd);
    }
  }
}
