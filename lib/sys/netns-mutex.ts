// A mutex among processes of one network namespace, without a file: a bound abstract unix
// socket name is unique within a network namespace, the kernel releases it when its holder
// closes it or dies (SIGKILL included), and nothing is left on disk or in the namespace.
import { EADDRINUSE } from './errno.ts';
import { SysError } from './errors.ts';
import { getLibc, lastErrno } from './libc.ts';
import { SOCK_CLOEXEC, closeFd, openSocket } from './socket.ts';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
/** sun_path's size: the abstract name (after its leading NUL) must fit. */
const SUN_PATH_BYTES = 108;

function abstractAddress(name: string): Uint8Array {
  const bytes = Buffer.from(name);
  if (bytes.length === 0 || bytes.length > SUN_PATH_BYTES - 1) throw new TypeError(`netns mutex name must be 1-${SUN_PATH_BYTES - 1} bytes: ${JSON.stringify(name)}`);
  const addr = Buffer.alloc(2 + 1 + bytes.length); // sa_family, then NUL and the name
  addr.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(addr, 3);
  return addr;
}

/**
 * Takes the mutex `name` in the calling thread's network namespace: the fd that holds it, or
 * undefined when another holder has it.
 * @throws {SysError} for anything but EADDRINUSE.
 */
export function tryLockNetnsMutex(name: string): number | undefined {
  const addr = abstractAddress(name);
  const fd = openSocket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (getLibc().bind(fd, addr, addr.length) === 0) return fd;
  const errno = lastErrno();
  closeFd(fd);
  if (errno === EADDRINUSE) return undefined;
  throw new SysError('bind', errno, { detail: `abstract unix socket ${name}` });
}

/**
 * Runs `fn` holding the mutex `name`, waiting for it with short sleeps (the event loop keeps
 * running meanwhile). After `timeoutMs` without it, runs `fn` anyway: the mutex only narrows a
 * race, and a holder that hangs must not stop every later caller.
 */
export async function withNetnsMutex<T>(name: string, fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let fd = tryLockNetnsMutex(name);
  for (let delay = 1; fd === undefined && Date.now() < deadline; delay = Math.min(delay * 2, 20)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    fd = tryLockNetnsMutex(name);
  }
  try {
    return await fn();
  } finally {
    if (fd !== undefined) closeFd(fd);
  }
}
