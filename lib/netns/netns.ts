import { CLONE_NEWNET, NSFS_MAGIC, O_NONBLOCK, O_RDONLY, PROC_SUPER_MAGIC, SysError, closeFd, fstatfsType, namespaceType, openFile } from '../sys/index.ts';
import { NetnsNotFoundError, NotNetnsError } from './errors.ts';

/** The current thread's netns (setns changes only the calling thread). */
export const THREAD_NETNS_PATH = '/proc/thread-self/ns/net';

// openFile adds O_CLOEXEC; O_NONBLOCK so a FIFO passed by mistake cannot hang us.
const OPEN_FLAGS = O_RDONLY | O_NONBLOCK;

/**
 * An open, verified network namespace file. Holding the fd keeps the namespace alive and
 * makes later setns calls immune to the path being unmounted or replaced.
 */
export class Netns {
  readonly path: string;
  readonly fd: number;
  #closed = false;

  constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  /** True once {@link close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the fd; later calls are no-ops. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeFd(this.fd);
  }
}

/**
 * Opens a netns path and checks it really is a network namespace: the fd must live on nsfs
 * (or procfs on kernels before 3.19) and, where the kernel can tell (NS_GET_NSTYPE), be of
 * type CLONE_NEWNET. Accepts /run/netns/x, /var/run/netns/x, /proc/<pid>/ns/net and
 * /proc/<pid>/fd/<n>.
 * @throws {NetnsNotFoundError} when the path does not exist.
 * @throws {NotNetnsError} when it exists but is something else.
 */
export function openNetns(path: string): Netns {
  let fd: number;
  try {
    fd = openFile(path, OPEN_FLAGS);
  } catch (err) {
    const code = err instanceof SysError ? err.code : undefined;
    if (code === 'ENOENT') throw new NetnsNotFoundError(path, { cause: err });
    if (code === 'ENOTDIR') throw new NotNetnsError(path, 'a parent is not a directory', { cause: err });
    throw err;
  }
  try {
    verifyNetns(path, fd);
  } catch (err) {
    closeFd(fd);
    throw err;
  }
  return new Netns(path, fd);
}

/**
 * Opens the calling thread's own netns, e.g. to hand its fd to createVeth from inside
 * another netns.
 */
export function openCurrentNetns(): Netns {
  return openNetns(THREAD_NETNS_PATH);
}

function verifyNetns(path: string, fd: number): void {
  const fsType = fstatfsType(fd);
  if (fsType === PROC_SUPER_MAGIC) return; // pre-nsfs kernels; setns will have the last word
  if (fsType !== NSFS_MAGIC) {
    throw new NotNetnsError(path, `unknown filesystem type 0x${fsType.toString(16)}`);
  }
  let type: number;
  try {
    type = namespaceType(fd);
  } catch (err) {
    if (err instanceof SysError && err.code === 'ENOTTY') return; // kernel < 4.11 cannot tell
    throw err;
  }
  if (type !== CLONE_NEWNET) throw new NotNetnsError(path, `it is another kind of namespace (type 0x${type.toString(16)})`);
}
