// The errnos a plugin meets in normal runs (an expected ENODEV, EEXIST or ENOENT is how the
// kernel answers "is it there?"), with libuv's names and texts, so describing one loads
// nothing: node:os and node:util cost a compiled process 1-4 ms each to load (measured), and
// a bridge ADD describes a netlink error on every run. Any other errno loads them on first use.
export const KNOWN_ERRNOS: Readonly<Record<number, readonly [name: string, message: string]>> = {
  1: ['EPERM', 'operation not permitted'],
  2: ['ENOENT', 'no such file or directory'],
  3: ['ESRCH', 'no such process'],
  4: ['EINTR', 'interrupted system call'],
  5: ['EIO', 'i/o error'],
  6: ['ENXIO', 'no such device or address'],
  9: ['EBADF', 'bad file descriptor'],
  11: ['EAGAIN', 'resource temporarily unavailable'],
  12: ['ENOMEM', 'not enough memory'],
  13: ['EACCES', 'permission denied'],
  16: ['EBUSY', 'resource busy or locked'],
  17: ['EEXIST', 'file already exists'],
  19: ['ENODEV', 'no such device'],
  20: ['ENOTDIR', 'not a directory'],
  21: ['EISDIR', 'illegal operation on a directory'],
  22: ['EINVAL', 'invalid argument'],
  24: ['EMFILE', 'too many open files'],
  25: ['ENOTTY', 'inappropriate ioctl for device'],
  26: ['ETXTBSY', 'text file is busy'],
  28: ['ENOSPC', 'no space left on device'],
  30: ['EROFS', 'read-only file system'],
  34: ['ERANGE', 'result too large'],
  38: ['ENOSYS', 'function not implemented'],
  39: ['ENOTEMPTY', 'directory not empty'],
  40: ['ELOOP', 'too many symbolic links encountered'],
  90: ['EMSGSIZE', 'message too long'],
  93: ['EPROTONOSUPPORT', 'protocol not supported'],
  95: ['EOPNOTSUPP', 'operation not supported on socket'],
  97: ['EAFNOSUPPORT', 'address family not supported'],
  98: ['EADDRINUSE', 'address already in use'],
  99: ['EADDRNOTAVAIL', 'address not available'],
  100: ['ENETDOWN', 'network is down'],
  101: ['ENETUNREACH', 'network is unreachable'],
  105: ['ENOBUFS', 'no buffer space available'],
  110: ['ETIMEDOUT', 'connection timed out'],
};

const os = (): typeof import('node:os') => process.getBuiltinModule('node:os');
const util = (): typeof import('node:util') => process.getBuiltinModule('node:util');

/**
 * The symbolic name of an errno ('EEXIST' for 17), so callers branch on names rather than
 * numbers or message text. Unknown numbers map to `ERRNO_<n>`.
 */
export function errnoName(errno: number): string {
  const known = KNOWN_ERRNOS[errno];
  if (known !== undefined) return known[0];
  for (const [name, value] of Object.entries(os().constants.errno)) {
    if (value === errno) return name;
  }
  return `ERRNO_${errno}`;
}

/** A short human description of an errno ('file already exists'). */
export function errnoMessage(errno: number): string {
  return KNOWN_ERRNOS[errno]?.[1] ?? util().getSystemErrorMap().get(-errno)?.[1] ?? errnoName(errno);
}

/** Options for {@link SysError}. */
export interface SysErrorOptions {
  /** What the call was acting on (a path, an fd), to make the message readable. */
  readonly detail?: string;
  readonly cause?: unknown;
}

/**
 * A failed libc call. Carries the errno, its symbolic `code` and the syscall name so that
 * callers can treat specific failures (EEXIST, ENOENT, EWOULDBLOCK) as expected outcomes.
 */
export class SysError extends Error {
  override readonly name = 'SysError';
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;

  constructor(syscall: string, errno: number, options: SysErrorOptions = {}) {
    const code = errnoName(errno);
    const what = options.detail === undefined ? syscall : `${syscall} ${options.detail}`;
    super(`${what}: ${errnoMessage(errno)} (${code})`, options.cause === undefined ? undefined : { cause: options.cause });
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }
}
