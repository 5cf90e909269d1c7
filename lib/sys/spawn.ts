import { check } from './check.ts';
import { type RunningProcess, collectChild } from './child-outcome.ts';
import { SysError } from './errors.ts';
import { resolveExecutable } from './executable-search.ts';
import { getLibc } from './libc.ts';

// Linux values (x86-64, arm64 and the other "generic" ABIs we ship; glibc and musl agree).
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const F_SETFL = 4;
const F_DUPFD_CLOEXEC = 1030;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
/** posix_spawnattr_t is 336 bytes and posix_spawn_file_actions_t 80 on glibc and musl (64-bit). */
const SPAWN_STRUCT_BYTES = 512;
/** sigset_t is 128 bytes on glibc and musl; the spawn helpers look at signals 1-64 only. */
const SIGSET_BYTES = 256;
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
 * The outcome is collected on the main thread without blocking it (see collectChild).
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
  const path = resolveExecutable(file, env.PATH ?? process.env.PATH);
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
  return collectChild(pid, { stdinFd: inW, stdoutFd: outR, stderrFd: errR }, stdin, request.pipeGraceMs ?? DEFAULT_PIPE_GRACE_MS);
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
