// Test-only: which system calls of a plugin are "steps" (a change to the node, a child process,
// a file write), read from a strace log of one ADD, and how to have strace kill the plugin on
// entering exactly one of them. strace's fault injection (`-e inject=NAME:signal=KILL:when=N`)
// counts invocations per system call name and per traced thread, so a step is addressed as
// "the N-th `openat` of the plugin's main thread": the survey traces the main thread only (no
// -f) and numbers every invocation of each name, steps or not (an O_RDONLY openat counts too).

/** The system calls a survey records: every one that can change something outside the process. */
export const TRACED_SYSCALLS = [
  'sendto', 'sendmsg', 'sendmmsg',
  'clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat',
  'open', 'openat', 'creat',
  'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2',
  'rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat',
  'unlink', 'unlinkat', 'rmdir', 'mkdir', 'mkdirat',
  'truncate', 'ftruncate', 'chmod', 'fchmod', 'fchmodat',
  'flock',
] as const;

/** What a step does, for the report. */
export type StepKind = 'netlink' | 'spawn' | 'file' | 'child-input' | 'result' | 'lock';

/** One place where the plugin is killed: before the `when`-th `syscall` of its main thread. */
export interface KillPoint {
  /** 1-based position among the steps of this plugin's ADD. */
  readonly step: number;
  readonly syscall: string;
  /** strace's `when=`: the invocation number of `syscall` in the main thread. */
  readonly when: number;
  readonly kind: StepKind;
  /** The call with run-dependent numbers (fds, pids, sequence numbers, random names) masked. */
  readonly signature: string;
  /** Which call of that signature it is (two spawns of `nft` look alike). */
  readonly occurrence: number;
}

/** One system call line of `strace -yy` (no -f, so no pid prefix and no unfinished halves). */
interface SyscallLine {
  readonly name: string;
  readonly args: string;
}

const LINE = /^([a-z0-9_]+)\((.*)$/;

function parseLine(line: string): SyscallLine | undefined {
  const m = LINE.exec(line);
  return m ? { name: m[1] as string, args: m[2] as string } : undefined;
}

/** The `<...>` decoration strace -yy puts after the first fd argument (path, socket, pipe). */
function firstFdDecoration(args: string): string {
  const m = /^-?\d+<(.*?)>[,)]/.exec(args) ?? /^AT_FDCWD<[^>]*>, "([^"]*)"/.exec(args);
  return m ? (m[1] as string) : '';
}

const WRITES_INTENT = /O_(WRONLY|RDWR|CREAT|TRUNC)/;

/** The kind of step a line is, or undefined when it changes nothing (a read, a thread). */
export function stepKind(line: SyscallLine): StepKind | undefined {
  const { name, args } = line;
  const fd = firstFdDecoration(args);
  switch (name) {
    case 'sendto':
    case 'sendmsg':
    case 'sendmmsg':
      return fd.startsWith('NETLINK') ? 'netlink' : undefined;
    case 'clone':
    case 'clone3':
    case 'fork':
    case 'vfork':
      return args.includes('CLONE_THREAD') ? undefined : 'spawn';
    case 'execve':
    case 'execveat':
      // Only the main thread is traced, so an exec here replaces the plugin's own program (strace
      // starting it, then the sh front handing over to cni-ts): nothing on the node changes. A
      // child's exec happens in the child, after the clone3 that is the spawn's step.
      return undefined;
    case 'open':
    case 'openat':
      return WRITES_INTENT.test(args) ? 'file' : undefined;
    case 'creat':
      return 'file';
    case 'write':
    case 'writev':
    case 'pwrite64':
    case 'pwritev':
    case 'pwritev2':
      if (args.startsWith('1<')) return 'result';
      if (args.startsWith('2<') || fd.startsWith('anon_inode')) return undefined; // diagnostics, event loop wake-ups
      return fd.startsWith('pipe:') ? 'child-input' : 'file';
    case 'flock':
      return 'lock';
    default:
      return (TRACED_SYSCALLS as readonly string[]).includes(name) ? 'file' : undefined;
  }
}

/**
 * Masks what differs between two runs of the same ADD (numbers, hex names, temp-file suffixes)
 * and drops the return value, which a killed call does not have. Container IDs of one length
 * that differ only in digits (see the test) mask alike.
 */
export function signatureOf(line: SyscallLine): string {
  const end = line.args.lastIndexOf(') = ');
  const args = (end >= 0 ? line.args.slice(0, end + 1) : line.args)
    .replace(/nlmsg_seq=\d+/g, '')
    .replace(/\.tmp-[\w-]+/g, '.tmp-*')
    .replace(/[0-9a-f]{6,}/g, '#')
    .replace(/\d+/g, '#');
  const head = line.name.startsWith('send') ? (/^.*?nlmsg_type=[^,]+/.exec(args)?.[0] ?? args) : args;
  return `${line.name}(${head.slice(0, 160)}`;
}

/**
 * The kill points of a survey log (strace -yy -o, main thread only, TRACED_SYSCALLS). The
 * execve calls (strace starting the plugin's sh front, the front exec'ing cni-ts) are numbered
 * but are not steps (see stepKind).
 */
export function killPoints(log: string): KillPoint[] {
  const seen = new Map<string, number>();
  const alike = new Map<string, number>();
  const points: KillPoint[] = [];
  for (const raw of log.split('\n')) {
    const line = parseLine(raw);
    if (!line) continue;
    const when = (seen.get(line.name) ?? 0) + 1;
    seen.set(line.name, when);
    const kind = stepKind(line);
    if (!kind) continue;
    const signature = signatureOf(line);
    const occurrence = (alike.get(signature) ?? 0) + 1;
    alike.set(signature, occurrence);
    points.push({ step: points.length + 1, syscall: line.name, when, kind, signature, occurrence });
  }
  return points;
}

/** strace arguments that record a survey of one run into `logFile`. */
export function surveyArgs(logFile: string): string[] {
  return ['-yy', '-o', logFile, '-e', `trace=${TRACED_SYSCALLS.join(',')}`, '--'];
}

/** strace arguments that kill the run on entering the point's call (before it takes effect), logging that call. */
export function killArgs(point: KillPoint, logFile: string): string[] {
  return ['-yy', '-o', logFile, '-e', `trace=${point.syscall}`, '-e', `inject=${point.syscall}:signal=KILL:when=${point.when}`, '--'];
}

/**
 * The call a kill run's log shows the plugin died on, masked like a survey's, or undefined
 * when it was not killed there (it ended, or died elsewhere).
 */
export function killedAt(log: string): string | undefined {
  const lines = log.split('\n').filter((l) => l.trim() !== '');
  if (!lines.at(-1)?.includes('+++ killed by SIGKILL +++')) return undefined;
  const call = [...lines].reverse().map(parseLine).find((l) => l !== undefined);
  return call ? signatureOf(call) : undefined;
}

/**
 * The invocation number the point's call had in a kill run's log (which traces the point's
 * system call only), when the log shows it; undefined when the run died before reaching it.
 * Bun starts threads (clone3) as it needs them, so the number of a spawn's clone3 can differ
 * between runs: a kill run that missed its call is aimed again with what its log shows.
 */
export function whenInLog(log: string, point: KillPoint): number | undefined {
  let when = 0;
  let alike = 0;
  for (const raw of log.split('\n')) {
    const line = parseLine(raw);
    if (!line || line.name !== point.syscall) continue;
    when += 1;
    if (signatureOf(line) === point.signature && ++alike === point.occurrence) return when;
  }
  return undefined;
}
