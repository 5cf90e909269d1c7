// Plain file descriptors through libc, for the few files every plugin run touches (its stdin
// and stdout, network namespace files, /proc/sys): in the compiled executables, loading
// node:fs costs a process 3-4 ms and several MB (measured), which a plugin that needs nothing
// else from it (loopback) should not pay.
import { check } from './check.ts';
import { EAGAIN, EINTR } from './errno.ts';
import { SysError } from './errors.ts';
import { getLibc, lastErrno } from './libc.ts';

// Linux values (x86-64, arm64 and the other "generic" ABIs we ship).
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_TRUNC = 0o1000;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

/** Larger than struct stat on every 64-bit Linux ABI (x86-64: 144 bytes, arm64: 128). */
const STAT_BYTES = 256;
const CHUNK = 65536;

/**
 * open(2) without O_CREAT (O_CLOEXEC is always added, as libuv does).
 * @throws {SysError} syscall 'open' with the path as detail (ENOENT, ENOTDIR, EACCES, ...).
 */
export function openFile(path: string, flags: number): number {
  if (path.includes('\0')) throw new TypeError(`openFile: NUL byte in path: ${JSON.stringify(path)}`);
  return check(getLibc().open(path, flags | O_CLOEXEC), 'open', path);
}

/** What identifies a file: its device and inode (both below 2^53 on Linux in practice). */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

function identityOf(buf: Uint8Array): FileIdentity {
  // st_dev and st_ino are the first two 64-bit fields on x86-64 and on the generic ABI (arm64)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return { dev: Number(view.getBigUint64(0, true)), ino: Number(view.getBigUint64(8, true)) };
}

/**
 * stat(2) or fstat(2), reduced to the identity of the file.
 * @throws {SysError} syscall 'stat' or 'fstat'.
 */
export function fileIdentity(file: string | number): FileIdentity {
  const buf = new Uint8Array(STAT_BYTES);
  if (typeof file === 'number') check(getLibc().fstat(file, buf), 'fstat', `fd ${file}`);
  else check(getLibc().stat(file, buf), 'stat', file);
  return identityOf(buf);
}

/**
 * After a failed read or write: true when the call should simply be made again, having slept
 * `waitMs` synchronously for EAGAIN (a non-blocking pipe that is empty or full for now).
 */
function retryAfter(errno: number, waitMs: number): boolean {
  if (errno === EINTR) return true;
  if (errno !== EAGAIN) return false;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, waitMs);
  return true;
}

/**
 * Reads `fd` to its end. A runtime may hand a plugin a non-blocking pipe, where a read fails
 * with EAGAIN while the writer is slower than we are: wait 2 ms and retry.
 * @throws {SysError} syscall 'read'.
 */
export function readToEnd(fd: number): Buffer {
  const libc = getLibc();
  const chunks: Buffer[] = [];
  const buf = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    const n = libc.read(fd, buf, CHUNK);
    if (n === 0) break;
    if (n < 0) {
      const errno = lastErrno();
      if (retryAfter(errno, 2)) continue;
      throw new SysError('read', errno, { detail: `fd ${fd}` });
    }
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/**
 * Writes all of `data` to `fd`, retrying short writes, EINTR and EAGAIN (a full
 * non-blocking pipe).
 * @throws {SysError} syscall 'write'.
 */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const libc = getLibc();
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  while (off < buf.length) {
    const n = libc.write(fd, buf.subarray(off), buf.length - off);
    if (n >= 0) {
      off += n;
      continue;
    }
    const errno = lastErrno();
    if (retryAfter(errno, 1)) continue;
    throw new SysError('write', errno, { detail: `fd ${fd}` });
  }
}

/**
 * The whole content of a small file (a /proc or /sys entry) as text.
 * @throws {SysError} syscall 'open' or 'read'.
 */
export function readTextFile(path: string): string {
  const fd = openFile(path, O_RDONLY);
  try {
    return readToEnd(fd).toString('utf8');
  } finally {
    getLibc().close(fd);
  }
}

/**
 * Replaces the content of an existing file with `text` (a /proc/sys entry takes its value
 * whole, as `echo value > file` writes it).
 * @throws {SysError} syscall 'open' or 'write' (EINVAL for a value the kernel refuses).
 */
export function writeTextFile(path: string, text: string): void {
  const fd = openFile(path, O_WRONLY | O_TRUNC);
  try {
    writeAll(fd, text);
  } finally {
    getLibc().close(fd);
  }
}
