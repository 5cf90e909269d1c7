// The CNI spec forbids parallel operations on one container and leaves enforcing it to the
// runtime. Without it a DEL that overtakes the ADD of the same container (a retry after a
// timeout) lets bridge release the address before portmap installs its DNAT, which then
// forwards a host port to whichever pod gets that address next. So every ADD, CHECK and DEL
// holds a lock on (network, container ID) for its whole chain, and GC, which DELs the stale
// attachments of a network and then sweeps its plugins, holds the network exclusively:
//
//   <cacheDir>/locks/<network>/.gate          ADD/CHECK/DEL: shared, only to pass;  GC: exclusive
//   <cacheDir>/locks/<network>/.network       ADD/CHECK/DEL: shared;  GC: exclusive
//   <cacheDir>/locks/<network>/<containerID>  ADD/CHECK/DEL: exclusive
//
// The gate gives GC precedence: once GC holds it no new operation enters the network, so the
// running ones drain and GC gets the network even while pods keep coming and going.
//
// The locks are flock(2) on those files, so they are shared with every process using the same
// cache directory (cnitool included) and the kernel drops them when a holder dies. Go's
// libcni keeps its cache in `<cacheDir>/results/` and host-local's default dataDir is
// /var/lib/cni/networks, so `locks/` collides with neither; a container ID starts with a
// letter or digit, so ".gate" and ".network" are never one.
//
// Lock files do not accumulate: a DEL that succeeded removes its container's file while it
// still holds the lock, and GC removes every container file of its network while it holds
// the network exclusively (nobody holds a container lock then). Removing a lock file while a
// waiter has it open is safe because whoever takes a lock checks afterwards that the path
// still names the file it locked, and starts over otherwise. What stays is one directory and
// the `.gate` and `.network` files of each network name ever used.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../cni/index.ts';
import { EAGAIN } from '../sys/errno.ts';
import { SysError } from '../sys/errors.ts';
import { flock } from '../sys/flock.ts';
import { PlantedEntryError, ensurePrivateDir, removeStateFile } from '../sys/state-file.ts';

/** How long an operation waits for another on the same container (or a GC) by default. */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

/** The lock files of the network itself, in the network's lock directory. */
const NETWORK_LOCK = '.network';
const GATE_LOCK = '.gate';
const NETWORK_FILES: ReadonlySet<string> = new Set([NETWORK_LOCK, GATE_LOCK]);

/** The longest sleep between two tries: short, so a freed lock is taken soon. */
const MAX_POLL_MS = 25;

/** Another operation held the lock longer than the timeout; the runtime should retry (code 11). */
export class LockTimeoutError extends CniError {
  constructor(
    readonly path: string,
    holder: string,
    timeoutMs: number,
  ) {
    super(
      ErrorCode.TryAgainLater,
      `${holder} is still running after ${timeoutMs} ms (it holds ${path}); try again later`,
      'the CNI spec forbids parallel operations on one container: this one waits for the other to finish',
    );
  }
}

/** A lock taken: release it once. */
interface HeldLock {
  readonly path: string;
  readonly fd: number;
}

/** What a waiter needs: when to give up, what to say then, and an abort signal. */
interface Wait {
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly holder: string;
  readonly signal: AbortSignal | undefined;
}

/**
 * Opens (creating) a lock file without following a symbolic link or blocking on a fifo.
 * @throws CniError code 5 when something other than a regular file stands there
 */
function openLockFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw planted(new PlantedEntryError(path, 'symlink', 'file'));
    if (code === 'EISDIR') throw planted(new PlantedEntryError(path, 'directory', 'file'));
    if (code === 'ENXIO') throw planted(new PlantedEntryError(path, 'socket', 'file'));
    throw new CniError(ErrorCode.IoFailure, `failed to open lock file ${path}: ${(e as Error).message}`);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw planted(new PlantedEntryError(path, 'fifo', 'file'));
  }
  return fd;
}

function planted(e: PlantedEntryError): CniError {
  return new CniError(ErrorCode.IoFailure, `cannot lock: ${e.message}`);
}

/** Whether `path` still names the file open as `fd` (a remover may have unlinked it). */
function stillLinked(path: string, fd: number): boolean {
  try {
    const named = lstatSync(path);
    const held = fstatSync(fd);
    return named.ino === held.ino && named.dev === held.dev;
  } catch {
    return false;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Takes flock `mode` on `path`, trying without blocking and sleeping between tries, so the
 * event loop keeps running (a blocking flock would stop every other operation of the process).
 * @throws LockTimeoutError after the deadline; the signal's reason when aborted
 */
async function takeLock(path: string, mode: 'shared' | 'exclusive', wait: Wait): Promise<HeldLock> {
  for (let delay = 1; ; delay = Math.min(delay * 2, MAX_POLL_MS)) {
    const fd = openLockFile(path);
    let locked = false;
    try {
      flock(fd, mode, { nonBlocking: true });
      locked = true;
    } catch (e) {
      if (!(e instanceof SysError && e.errno === EAGAIN)) {
        closeSync(fd);
        throw new CniError(ErrorCode.IoFailure, `failed to lock ${path}: ${(e as Error).message}`);
      }
    }
    if (locked && stillLinked(path, fd)) return { path, fd };
    closeSync(fd); // held by another, or removed by its last holder: try again
    if (locked) continue;
    if (Date.now() >= wait.deadline) throw new LockTimeoutError(path, wait.holder, wait.timeoutMs);
    await sleep(delay, wait.signal);
  }
}

function release(lock: HeldLock): void {
  closeSync(lock.fd); // closing the only fd drops the flock
}

/** The locks of the operations of one runtime, in `<cacheDir>/locks`. */
export class OperationLocks {
  readonly dir: string;
  private readonly timeoutMs: number;

  constructor(cacheDir: string, timeoutMs: number = DEFAULT_LOCK_TIMEOUT_MS) {
    this.dir = join(cacheDir, 'locks');
    this.timeoutMs = timeoutMs;
  }

  /**
   * Runs `fn` (an ADD, CHECK or DEL) holding the network shared and the container exclusively.
   * `fn` returns whether the container's lock file may go: true after a DEL that succeeded.
   * @throws LockTimeoutError (code 11) when another operation holds the container too long;
   *   CniError code 5 when the lock directory or file is unusable
   */
  async withContainer<T>(network: string, containerId: string, signal: AbortSignal | undefined, fn: () => Promise<{ value: T; forget: boolean }>): Promise<T> {
    const netDir = this.networkDir(network);
    const wait = this.wait(`another operation on container "${containerId}" in network "${network}", or its GC,`, signal);
    const gate = await takeLock(join(netDir, GATE_LOCK), 'shared', wait);
    let net: HeldLock;
    try {
      net = await takeLock(join(netDir, NETWORK_LOCK), 'shared', wait);
    } finally {
      release(gate);
    }
    try {
      const own = await takeLock(join(netDir, containerId), 'exclusive', wait);
      try {
        const { value, forget } = await fn();
        if (forget) forgetLockFile(own.path);
        return value;
      } finally {
        release(own);
      }
    } finally {
      release(net);
    }
  }

  /**
   * Runs `fn` (a GC) holding the network exclusively: no ADD, CHECK or DEL of the network runs
   * meanwhile. Then removes the lock files of its containers, which nobody holds now.
   * @throws LockTimeoutError (code 11); CniError code 5 when the lock directory is unusable
   */
  async withNetwork<T>(network: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const netDir = this.networkDir(network);
    const wait = this.wait(`an operation in network "${network}"`, signal);
    const gate = await takeLock(join(netDir, GATE_LOCK), 'exclusive', wait);
    try {
      const net = await takeLock(join(netDir, NETWORK_LOCK), 'exclusive', wait);
      try {
        const value = await fn();
        for (const name of readdirSync(netDir)) if (!NETWORK_FILES.has(name)) forgetLockFile(join(netDir, name));
        return value;
      } finally {
        release(net);
      }
    } finally {
      release(gate);
    }
  }

  private networkDir(network: string): string {
    const dir = join(this.dir, network);
    try {
      ensurePrivateDir(dir);
    } catch (e) {
      if (e instanceof PlantedEntryError) throw planted(e);
      throw new CniError(ErrorCode.IoFailure, `failed to create lock directory ${dir}: ${(e as Error).message}`);
    }
    return dir;
  }

  private wait(holder: string, signal: AbortSignal | undefined): Wait {
    return { deadline: Date.now() + this.timeoutMs, timeoutMs: this.timeoutMs, holder, signal };
  }
}

/** Removes a lock file its remover holds (or nobody can hold); a planted directory stays. */
function forgetLockFile(path: string): void {
  try {
    removeStateFile(path);
  } catch {
    // a leftover lock file is harmless; a planted directory is refused at the next lock
  }
}
