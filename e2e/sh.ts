import { execa, execaSync } from 'execa';

// Running commands for the e2e, through execa (the scripts' spawner). Foreground commands are
// synchronous with a hard timeout (a hung runtime must not hang CI); long-lived processes append
// to a log file rather than a pipe, because nobody drains a pipe while a synchronous command
// blocks the event loop.

/** What a finished command left behind. */
export interface RunResult {
  readonly argv: readonly string[];
  /** Exit code; 124 on timeout, 127 when the command could not be started. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Options of run() and must(). */
export interface RunOptions {
  readonly input?: string;
  /** @default 60_000 */
  readonly timeoutMs?: number;
  /** The complete environment; the caller's when absent. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A command that failed, with what it printed, so a FAIL line can say why. */
export class CommandError extends Error {
  override name = 'CommandError';
  readonly result: RunResult;
  constructor(result: RunResult) {
    super(`${shortArgv(result.argv)} exited ${result.code}: ${tail(result.stderr || result.stdout)}`);
    this.result = result;
  }
}

/** Runs a command to completion and never throws. */
export function run(argv: readonly string[], options: RunOptions = {}): RunResult {
  const started = performance.now();
  const timeout = options.timeoutMs ?? 60_000;
  const r = execaSync(argv[0] as string, argv.slice(1), {
    input: options.input ?? '',
    timeout,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    reject: false,
    stripFinalNewline: false,
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
  });
  const ms = Math.round(performance.now() - started);
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  if (r.timedOut) return { argv, code: 124, stdout, stderr: `${stderr}\n(timed out after ${timeout} ms)`, ms };
  // a command that could not be started has no exit code (ENOENT, EACCES)
  if (r.exitCode === undefined && !r.signal) return { argv, code: 127, stdout: '', stderr: ('message' in r ? String(r.message) : stderr), ms };
  return { argv, code: r.exitCode ?? 128 + signalNumber(r.signal ?? null), stdout, stderr, ms };
}

/**
 * Runs a command and returns its stdout.
 * @throws CommandError when it exits non-zero or times out.
 */
export function must(argv: readonly string[], options: RunOptions = {}): string {
  const r = run(argv, options);
  if (r.code !== 0) throw new CommandError(r);
  return r.stdout;
}

/** A process left running in the background, its output going to a log file. */
export interface Background {
  readonly pid: number;
  readonly log: string;
  /** Resolves with the exit code (or 128 + signal number) when the process ends. */
  readonly exited: Promise<number>;
  /** True once the process has ended. */
  hasExited(): boolean;
  /** The exit code, or undefined when the process is still running after `timeoutMs`. */
  waitExit(timeoutMs: number): Promise<number | undefined>;
}

/**
 * Starts a long-lived process whose stdout and stderr go to `log`.
 * @throws Error when the process cannot be spawned.
 */
export function startBackground(argv: readonly string[], log: string, env?: NodeJS.ProcessEnv): Background {
  const child = execa(argv[0] as string, argv.slice(1), {
    stdin: 'ignore',
    stdout: { file: log, append: true },
    stderr: { file: log, append: true },
    reject: false,
    // the e2e ends its processes itself, by PID; execa must not tie them to this one
    cleanup: false,
    ...(env ? { env, extendEnv: false } : {}),
  });
  if (child.pid === undefined) throw new Error(`could not start ${shortArgv(argv)}`);
  let done = false;
  const exited = child.then((r) => {
    done = true;
    if (r.exitCode === undefined && !r.signal) return 127;
    return r.exitCode ?? 128 + signalNumber(r.signal ?? null);
  });
  const waitExit = async (timeoutMs: number): Promise<number | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { pid: child.pid, log, exited, hasExited: () => done, waitExit };
}

function signalNumber(signal: string | null): number {
  if (signal === 'SIGKILL') return 9;
  if (signal === 'SIGTERM') return 15;
  if (signal === 'SIGINT') return 2;
  return 0;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Thrown by an eventually() probe to stop retrying at once (the awaited thing cannot happen). */
export class GiveUp extends Error {
  override name = 'GiveUp';
}

/**
 * Calls `probe` until it stops throwing or `timeoutMs` passes, then returns its value.
 * @throws the probe's last error when time runs out, or a GiveUp error at once.
 */
export async function eventually<T>(probe: () => T, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return probe();
    } catch (error) {
      if (error instanceof GiveUp || performance.now() >= deadline) throw error;
    }
    await sleep(intervalMs);
  }
}

/** The last few lines of a command's output, on one line, for FAIL details. */
export function tail(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' | ').slice(0, 600);
}

function shortArgv(argv: readonly string[]): string {
  // Drop the nsenter prefix so messages name the real command.
  const i = argv.findIndex((a, k) => k > 0 && !a.startsWith('-') && argv[k - 1] !== '-t');
  const start = argv[0] === 'nsenter' && i > 0 ? i : 0;
  return argv.slice(start, start + 4).join(' ');
}
