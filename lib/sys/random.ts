import { EINTR } from './errno.ts';
import { SysError } from './errors.ts';
import { O_RDONLY, openFile } from './file.ts';
import { getLibc, lastErrno } from './libc.ts';

/**
 * `n` bytes from /dev/urandom, read through libc: node:crypto or node:fs would cost a plugin
 * process a few milliseconds of loading for a veth name and a MAC.
 * @throws {SysError} syscall 'open' or 'read'.
 */
export function randomBytes(n: number): Buffer {
  const libc = getLibc();
  const buf = Buffer.alloc(n);
  const fd = openFile('/dev/urandom', O_RDONLY);
  try {
    let off = 0;
    while (off < n) {
      const got = libc.read(fd, buf.subarray(off), n - off);
      if (got > 0) off += got;
      else if (got < 0 && lastErrno() === EINTR) continue;
      else throw new SysError('read', got < 0 ? lastErrno() : 0, { detail: '/dev/urandom' });
    }
  } finally {
    libc.close(fd);
  }
  return buf;
}
