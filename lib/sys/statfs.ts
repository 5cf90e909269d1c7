import { check } from './check.ts';
import { getLibc } from './libc.ts';

/** f_type of nsfs, where /proc/<pid>/ns/* and bind-mounted namespace files live. */
export const NSFS_MAGIC = 0x6e736673;
/** f_type of procfs; namespace files lived here before Linux 3.19. */
export const PROC_SUPER_MAGIC = 0x9fa0;

/** struct statfs is 120 bytes on 64-bit Linux and 64 on 32-bit; leave headroom. */
const STATFS_BUF = 256;

/**
 * statfs(2) f_type of the filesystem holding `path` (symlinks followed), as an unsigned number.
 * @throws {SysError} code 'ENOENT' when the path does not exist.
 */
export function statfsType(path: string): number {
  const buf = Buffer.alloc(STATFS_BUF);
  check(getLibc().statfs(path, buf), 'statfs', path);
  return readFsType(buf);
}

/**
 * fstatfs(2) f_type of an open fd; checking the fd rather than the path avoids a race
 * between the check and the use.
 * @throws {SysError}
 */
export function fstatfsType(fd: number): number {
  const buf = Buffer.alloc(STATFS_BUF);
  check(getLibc().fstatfs(fd, buf), 'fstatfs', `fd ${fd}`);
  return readFsType(buf);
}

function readFsType(buf: Buffer): number {
  // f_type is the first field, a C long; magic numbers fit in 32 bits.
  return buf.readUInt32LE(0);
}
