import { EINTR } from './errno.ts';
import { SysError } from './errors.ts';
import { getLibc, lastErrno } from './libc.ts';

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/** What {@link flock} does with the lock. */
export type FlockOperation = 'exclusive' | 'shared' | 'unlock';

/** Options for {@link flock}. */
export interface FlockOptions {
  /**
   * Fail at once with EWOULDBLOCK instead of waiting for the holder.
   * @default false
   */
  readonly nonBlocking?: boolean;
}

const OPS: Readonly<Record<FlockOperation, number>> = { exclusive: LOCK_EX, shared: LOCK_SH, unlock: LOCK_UN };

/**
 * flock(2) on an fd from fs.openSync: the advisory whole-file lock host-local uses to
 * serialise concurrent plugin processes. A blocking call blocks the whole event loop,
 * which is what a one-shot plugin wants. Interrupted waits are retried.
 * @throws {SysError} code 'EAGAIN' (alias EWOULDBLOCK) when nonBlocking and the lock is held.
 */
export function flock(fd: number, op: FlockOperation, options: FlockOptions = {}): void {
  const flags = OPS[op] | (options.nonBlocking === true ? LOCK_NB : 0);
  const libc = getLibc();
  for (;;) {
    if (libc.flock(fd, flags) === 0) return;
    const errno = lastErrno();
    if (errno !== EINTR) throw new SysError('flock', errno, { detail: `fd ${fd} (${op})` });
  }
}
