import { check } from './check.ts';
import { EAGAIN, EINTR, ENOENT } from './errno.ts';
import { SysError } from './errors.ts';
import { getLibc, lastErrno } from './libc.ts';

// Linux values (x86-64, arm64 and the other "generic" ABIs we ship; glibc and musl agree).
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const F_SETFL = 4;
const F_DUPFD_CLOEXEC = 1030;
const WNOHANG = 1;
const EACCES = 13;
const ECHILD = 10;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const SIGKILL = 9;
/** posix_spawnattr_t is 336 bytes and posix_spawn_file_actions_t 80 on glibc and musl (64-bit). */
const SPAWN_STRUCT_BYTES = 512;
/** sigset_t is 128 bytes on glibc and musl; the spawn helpers look at signals 1-64 only. */
const SIGSET_BYTES = 256;
const READ_CHUNK = 65536;
/** Per stream and round: 8 reads of 64 KiB. With ROUNDS_PER_PUMP, at most 4 MiB per timer turn. */
const READS_PER_DRAIN = 8;
const ROUNDS_PER_PUMP = 8;
/** Where a bare name is searched when neither the child's env nor this process has PATH. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** How long to keep reading after the exit while a grandchild still holds the output pipes. */
const DEFAULT_PIPE_GRACE_MS = 1000;

/** What to start. Nothing is inherited: argv, environment and stdin are all explicit. */
export interface StartProcessRequest {
  /**
   * The executable: a path when it contains a slash, otherwise a name searched in the
   * directories of `env.PATH` (else this process's PATH, else a standard list), as
   * node:child_process and execvp do. Not found: ENOENT; found but not executable: EACCES.
   */
  readonly file: string;
  /** The child's complete argv, argv[0] included (usually `file` as the caller wrote it). */
  readonly argv: readonly string[];
  /** The child's complete environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Written to the child's stdin, which is then closed. @default nothing */
  readonly stdin?: Uint8Array | string | undefined;
  /**
   * How long to keep reading stdout/stderr after the child exited, when something else (a
   * grandchild it left behind) still holds them open. @default 1000
   */
  readonly pipeGraceMs?: number | undefined;
}

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

/**
 * Starts a child with posix_spawn(3) and collects its outcome on the main thread, without
 * node:child_process: requiring that module costs ~6 ms (it loads net, stream, dgram) and
 * its fork copies the page tables of the whole Node process (~4 ms), where glibc's
 * posix_spawn uses CLONE_VFORK. Together ~13 ms per plugin run that starts iptables-restore,
 * nft or an IPAM plugin.
 *
 * The child gets three pipes (pipe2 with O_CLOEXEC, its ends dup2'ed onto 0/1/2), an empty
 * signal mask and every signal at its default disposition: Node ignores SIGPIPE (and
 * SIGXFSZ), and an ignored disposition survives exec, so without POSIX_SPAWN_SETSIGDEF
 * `yes | head -1` in the child would end in a write error instead of quietly (libuv resets
 * them the same way).
 *
 * posix_spawn forks from the calling thread: a child started inside `withNetns` lives in
 * that netns, as with spawnSync.
 *
 * Collection runs on the main thread with the parent's pipe ends non-blocking, polled by a
 * short timer (every 1 ms while data moves or for the first 20 ms, backing off to 20 ms
 * while nothing happens) plus waitpid(WNOHANG), each turn within a budget of bytes. It never
 * blocks the event loop, so a caller can do synchronous netlink work while the child runs,
 * and uses neither node:net nor node:stream. Blocking fs.read/fs.write on libuv's threadpool
 * were the alternative and are wrong here: a pending stderr read pins one of the 4 pool
 * threads for the child's whole life, so a few concurrent children can deadlock (their stdin
 * writes and stdout reads queue behind those reads); a blocked read cannot be cancelled, so
 * a grandchild holding a pipe would keep the whole process alive after the grace; and the
 * pool threads keep the netns of the thread that first used the pool, which would be the
 * container's if that first use happened inside `withNetns` (our code does no async fs on
 * netns-sensitive paths such as /proc/sys, but nothing here needs that risk).
 * @throws {SysError} syscall 'posix_spawn' with the start failure's code (ENOENT, EACCES,
 *   ETXTBSY, ENOEXEC, ...; posix_spawn returns the number, errno is not set), or the
 *   pipe2/fcntl failure (EMFILE, ...).
 * @throws {TypeError} for an empty argv or a NUL byte in argv or env.
 */
export function startProcess(request: StartProcessRequest): RunningProcess {
  const { file, argv, env } = request;
  if (argv.length === 0) throw new TypeError('startProcess: argv must hold at least argv[0]');
  const envp = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  for (const s of [file, ...argv, ...envp]) {
    if (s.includes('\0')) throw new TypeError(`startProcess: NUL byte in argument or environment: ${JSON.stringify(s)}`);
  }
  const path = resolveExecutable(file, env.PATH ?? process.env.PATH ?? DEFAULT_PATH);
  const input = request.stdin ?? '';
  const stdin = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input.buffer, input.byteOffset, input.byteLength);

  const libc = getLibc();
  const fds: number[] = [];
  const closeAll = (list: readonly number[]): void => {
    for (const fd of list) libc.close(fd);
  };
  let childEnds: number[];
  let parentEnds: number[];
  try {
    const [inR, inW] = makePipe(fds);
    const [outR, outW] = makePipe(fds);
    const [errR, errW] = makePipe(fds);
    childEnds = [inR, outW, errW];
    parentEnds = [inW, outR, errR];
    for (const fd of parentEnds) check(libc.fcntl(fd, F_SETFL, 'int', O_NONBLOCK), 'fcntl(F_SETFL)', `fd ${fd}`);
  } catch (e) {
    closeAll(fds);
    throw e;
  }

  const pid = spawnWith(path, argv, envp, childEnds, () => closeAll(fds));
  closeAll(childEnds);
  const [inW, outR, errR] = parentEnds as [number, number, number];
  return collect(pid, { stdinFd: inW, stdoutFd: outR, stderrFd: errR }, stdin, request.pipeGraceMs ?? DEFAULT_PIPE_GRACE_MS);
}

/** pipe2(O_CLOEXEC), both ends moved above 0-2 so the dup2 file actions cannot collide with them. */
function makePipe(opened: number[]): [number, number] {
  const libc = getLibc();
  const pair = new Int32Array(2);
  check(libc.pipe2(pair, O_CLOEXEC), 'pipe2');
  const ends: [number, number] = [pair[0] as number, pair[1] as number];
  opened.push(...ends);
  for (let i = 0; i < 2; i++) {
    const fd = ends[i] as number;
    if (fd > 2) continue;
    // Only when this process runs with 0, 1 or 2 closed.
    const moved = check(libc.fcntl(fd, F_DUPFD_CLOEXEC, 'int', 3), 'fcntl(F_DUPFD_CLOEXEC)', `fd ${fd}`);
    opened.push(moved);
    libc.close(fd);
    opened.splice(opened.indexOf(fd), 1);
    ends[i] = moved;
  }
  return ends;
}

function spawnWith(path: string, argv: readonly string[], envp: readonly string[], childEnds: readonly number[], onFailure: () => void): number {
  const libc = getLibc();
  const actions = Buffer.alloc(SPAWN_STRUCT_BYTES);
  const attr = Buffer.alloc(SPAWN_STRUCT_BYTES);
  const empty = Buffer.alloc(SIGSET_BYTES); // all bits clear: an empty set (sigemptyset only zeroes)
  // Every bit, not sigfillset(): glibc's and musl's leave out their internal signals (32, 33,
  // and 34 on musl), which their spawn helpers then set to SIG_IGN in the child, and an ignored
  // disposition survives exec. With every bit set the child has none ignored, as under libuv.
  const full = Buffer.alloc(SIGSET_BYTES, 0xff);
  spawnCheck(libc.posix_spawn_file_actions_init(actions), 'posix_spawn_file_actions_init', onFailure);
  const initAttr = libc.posix_spawnattr_init(attr);
  if (initAttr !== 0) {
    libc.posix_spawn_file_actions_destroy(actions);
    spawnCheck(initAttr, 'posix_spawnattr_init', onFailure);
  }
  try {
    for (let target = 0; target < 3; target++) {
      spawnCheck(libc.posix_spawn_file_actions_adddup2(actions, childEnds[target] as number, target), 'posix_spawn_file_actions_adddup2', onFailure);
    }
    spawnCheck(libc.posix_spawnattr_setsigmask(attr, empty), 'posix_spawnattr_setsigmask', onFailure);
    spawnCheck(libc.posix_spawnattr_setsigdefault(attr, full), 'posix_spawnattr_setsigdefault', onFailure);
    spawnCheck(libc.posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF), 'posix_spawnattr_setflags', onFailure);
    const pid = new Int32Array(1);
    const rc = libc.posix_spawn(pid, path, actions, attr, [...argv, null], [...envp, null]);
    if (rc !== 0) {
      onFailure();
      throw new SysError('posix_spawn', rc, { detail: path });
    }
    return pid[0] as number;
  } finally {
    libc.posix_spawnattr_destroy(attr);
    libc.posix_spawn_file_actions_destroy(actions);
  }
}

/** The posix_spawn family returns an error number instead of setting errno. */
function spawnCheck(rc: number, what: string, onFailure: () => void): void {
  if (rc === 0) return;
  onFailure();
  throw new SysError(what, rc);
}

/** execvp's search: the first executable regular file wins; EACCES if only unusable ones exist. */
function resolveExecutable(file: string, searchPath: string): string {
  if (file.includes('/')) return file;
  // loaded here, not at start: callers on hot paths pass absolute paths (see file.ts on node:fs)
  const { accessSync, constants: fsConstants, statSync } = process.getBuiltinModule('node:fs');
  if (file === '') throw new SysError('posix_spawn', ENOENT, { detail: '(empty file name)' });
  let denied = false;
  for (const dir of searchPath.split(':')) {
    const candidate = `${dir === '' ? '.' : dir}/${file}`;
    const st = statSync(candidate, { throwIfNoEntry: false });
    if (st === undefined || st.isDirectory()) continue;
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      denied = true;
    }
  }
  throw new SysError('posix_spawn', denied ? EACCES : ENOENT, { detail: file });
}

interface Pipes {
  stdinFd: number;
  stdoutFd: number;
  stderrFd: number;
}

/** Polls the pipes and waitpid from timers until the child is reaped and its output is read. */
function collect(pid: number, pipes: Pipes, stdin: Buffer, graceMs: number): RunningProcess {
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

  function closeFd(which: keyof Pipes): void {
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
