import { EAGAIN, EINTR } from './errno.ts';
import { SysError } from './errors.ts';
import { getLibc, lastErrno } from './libc.ts';

const WNOHANG = 1;
const ECHILD = 10;
const SIGKILL = 9;
const READ_CHUNK = 65536;
/** Per stream and round: 8 reads of 64 KiB. With ROUNDS_PER_PUMP, at most 4 MiB per timer turn. */
const READS_PER_DRAIN = 8;
const ROUNDS_PER_PUMP = 8;

/** How a child ended and what it wrote. */
export interface ProcessOutcome {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** The exit status; undefined when a signal ended the child (or it was reaped elsewhere). */
  readonly exitCode: number | undefined;
  /** The signal that ended the child ('SIGKILL'), if one did. */
  readonly signal: string | undefined;
  /** True when output collection stopped while the pipes were still held open (grace or kill). */
  readonly pipesLeftOpen: boolean;
}

/** A started child. Its outcome is collected whether or not anyone awaits it (no zombies). */
export interface RunningProcess {
  readonly pid: number;
  /** Settles once the child was reaped and its output read to the end (or the grace ran out). */
  readonly outcome: Promise<ProcessOutcome>;
  /**
   * Sends `signal` (default SIGKILL) unless the child was already reaped, so a recycled pid
   * is never hit. After a kill the outcome does not wait for pipes a grandchild may hold.
   */
  kill(signal?: number): void;
}

/** The parent's ends of the child's stdin, stdout and stderr pipes. */
export interface ChildPipes {
  stdinFd: number;
  stdoutFd: number;
  stderrFd: number;
}

/**
 * Collects a started child's outcome on the main thread: the parent's pipe ends (already
 * non-blocking) are polled by a short timer (every 1 ms while data moves or for the first
 * 20 ms, backing off to 20 ms while nothing happens) plus waitpid(WNOHANG), each turn within
 * a budget of bytes, until the child is reaped and its output is read. It never blocks the
 * event loop, so a caller can do synchronous netlink work while the child runs, and uses
 * neither node:net nor node:stream. Blocking fs.read/fs.write on libuv's threadpool were the
 * alternative and are wrong here: a pending stderr read pins one of the 4 pool threads for
 * the child's whole life, so a few concurrent children can deadlock (their stdin writes and
 * stdout reads queue behind those reads); a blocked read cannot be cancelled, so a grandchild
 * holding a pipe would keep the whole process alive after the grace; and the pool threads
 * keep the netns of the thread that first used the pool, which would be the container's if
 * that first use happened inside `withNetns` (our code does no async fs on netns-sensitive
 * paths such as /proc/sys, but nothing here needs that risk).
 */
export function collectChild(pid: number, pipes: ChildPipes, stdin: Buffer, graceMs: number): RunningProcess {
  const libc = getLibc();
  const fds = { ...pipes };
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const scratch = Buffer.allocUnsafe(READ_CHUNK);
  const status = new Int32Array(1);
  let lastActivity = Date.now();
  let written = 0;
  let reaped = false;
  let reapedAt = 0;
  let killed = false;
  let exitCode: number | undefined;
  let signal: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settle: { resolve: (o: ProcessOutcome) => void; reject: (e: unknown) => void } | undefined;

  const outcome = new Promise<ProcessOutcome>((resolve, reject) => {
    settle = { resolve, reject };
  });

  function closeFd(which: keyof ChildPipes): void {
    if (fds[which] < 0) return;
    libc.close(fds[which]);
    fds[which] = -1;
  }

  /** Writes as much stdin as the pipe takes; true when something happened. */
  function writeStdin(): boolean {
    if (fds.stdinFd < 0) return false;
    if (written >= stdin.length) {
      closeFd('stdinFd');
      return true;
    }
    const rest = stdin.subarray(written);
    const n = libc.write(fds.stdinFd, rest, rest.length);
    if (n > 0) {
      written += n;
      if (written >= stdin.length) closeFd('stdinFd');
      return true;
    }
    const errno = n < 0 ? lastErrno() : EAGAIN;
    if (errno === EAGAIN || errno === EINTR) return false;
    // EPIPE: the child exited or closed stdin without reading it all; that is its business.
    closeFd('stdinFd');
    return true;
  }

  /** Reads what is available, at most READS_PER_DRAIN chunks; true when something happened. */
  function drain(which: 'stdoutFd' | 'stderrFd', into: Buffer[]): boolean {
    let progress = false;
    for (let reads = 0; fds[which] >= 0 && reads < READS_PER_DRAIN; reads++) {
      const n = libc.read(fds[which], scratch, READ_CHUNK);
      if (n > 0) {
        into.push(Buffer.from(scratch.subarray(0, n)));
        progress = true;
        continue;
      }
      if (n === 0) {
        closeFd(which);
        return true;
      }
      const errno = lastErrno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN) return progress;
      closeFd(which); // an unexpected read error ends that stream
      return true;
    }
    return progress;
  }

  function tryReap(): void {
    if (reaped) return;
    for (;;) {
      const r = libc.waitpid(pid, status, WNOHANG);
      if (r === 0) return;
      if (r < 0) {
        const errno = lastErrno();
        if (errno === EINTR) continue;
        if (errno !== ECHILD) throw new SysError('waitpid', errno, { detail: `pid ${pid}` });
        // reaped by someone else: the status is lost
      } else {
        decodeStatus(status[0] as number);
      }
      reaped = true;
      reapedAt = Date.now();
      return;
    }
  }

  function decodeStatus(raw: number): void {
    const sig = raw & 0x7f;
    if (sig === 0) exitCode = (raw >> 8) & 0xff;
    else if (sig !== 0x7f) signal = signalName(sig);
  }

  function finish(pipesLeftOpen: boolean): void {
    closeFd('stdinFd');
    closeFd('stdoutFd');
    closeFd('stderrFd');
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    settle?.resolve({ stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), exitCode, signal, pipesLeftOpen });
    settle = undefined;
  }

  /**
   * One turn: reap first, so that everything the child wrote before exiting is read now; then
   * move data while that makes progress, within a budget (a fast writer on another core must
   * not hold the event loop). True when data moved.
   */
  function pump(): boolean {
    tryReap();
    let moved = false;
    for (let round = 0; round < ROUNDS_PER_PUMP; round++) {
      const a = writeStdin();
      const b = drain('stdoutFd', stdout);
      const c = drain('stderrFd', stderr);
      if (!(a || b || c)) break;
      moved = true;
    }
    if (reaped) {
      if (fds.stdoutFd < 0 && fds.stderrFd < 0) finish(false);
      else if (killed || Date.now() - reapedAt >= graceMs) finish(true);
    }
    return moved;
  }

  function schedule(delayMs: number): void {
    if (settle === undefined) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
  }

  function tick(): void {
    timer = undefined;
    try {
      if (pump()) lastActivity = Date.now();
    } catch (e) {
      settle?.reject(e);
      settle = undefined;
      try {
        if (!reaped) libc.kill(pid, SIGKILL);
      } finally {
        finish(true);
      }
      return;
    }
    schedule(nextDelay(Date.now() - lastActivity));
  }

  writeStdin(); // the first 64 KiB go in at once; the child can start reading right away
  schedule(1);

  return {
    pid,
    outcome,
    kill(sig = SIGKILL) {
      if (reaped || settle === undefined) return;
      killed = true;
      libc.kill(pid, sig);
      lastActivity = Date.now(); // poll at 1 ms again until the reap
      schedule(1);
    },
  };
}

/**
 * 1 ms while data moves or the child has run briefly (iptables-restore takes a few ms), then
 * backing off to 20 ms while nothing happens (a tool waiting for the xtables lock).
 */
function nextDelay(idleMs: number): number {
  if (idleMs < 20) return 1;
  return Math.min(20, Math.ceil(idleMs / 10));
}

function signalName(sig: number): string {
  for (const [name, value] of Object.entries(process.getBuiltinModule('node:os').constants.signals)) if (value === sig) return name;
  return `SIG${sig}`;
}
