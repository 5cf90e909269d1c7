// node:os and node:util are loaded when an error is first described, not at start: every
// plugin imports this module, and in the compiled executables each of the two costs a process
// 1-4 ms and several MB of memory to load (measured), on runs that mostly never fail.
const os = (): typeof import('node:os') => process.getBuiltinModule('node:os');
const util = (): typeof import('node:util') => process.getBuiltinModule('node:util');

/** Names the kernel docs use where two names share one number. */
const PREFERRED_NAMES: Readonly<Record<number, string>> = { 11: 'EAGAIN', 95: 'EOPNOTSUPP' };

/**
 * The symbolic name of an errno ('EEXIST' for 17), so callers branch on names rather than
 * numbers or message text. Unknown numbers map to `ERRNO_<n>`.
 */
export function errnoName(errno: number): string {
  const preferred = PREFERRED_NAMES[errno];
  if (preferred !== undefined) return preferred;
  for (const [name, value] of Object.entries(os().constants.errno)) {
    if (value === errno) return name;
  }
  return `ERRNO_${errno}`;
}

/** A short human description of an errno ('file already exists'); only used on error paths. */
export function errnoMessage(errno: number): string {
  return util().getSystemErrorMap().get(-errno)?.[1] ?? errnoName(errno);
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
