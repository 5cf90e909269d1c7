// Asynchronous process execution with a time limit: plugins and probes (ping, socat) run
// without blocking the event loop, so checks can run side by side, and a hanging plugin is
// killed (by its PID) instead of hanging the suite.
import { spawn } from 'node:child_process';

/** Output of one process. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** Options of {@link execAsync}. */
export interface ExecOptions {
  /** Complete environment; defaults to the suite's own. */
  env?: Record<string, string>;
  input?: string;
  /** Kill the process after this many ms (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Runs argv to completion; never throws for a non-zero exit (code 127 when it cannot start). */
export function execAsync(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file as string, args, {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const kill = (): void => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    const timer = setTimeout(kill, options.timeoutMs ?? 30_000);
    options.signal?.addEventListener('abort', kill, { once: true });
    const finish = (code: number): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      resolve({ code, stdout, stderr, ms: performance.now() - started, timedOut });
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      stderr += String(err.message);
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 + 9 : 1)));
    child.stdin.on('error', () => {}); // the process may exit before reading stdin
    child.stdin.end(options.input ?? '');
  });
}

/** Runs argv inside a named network namespace (`ip netns exec`). */
export function execIn(nsName: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return execAsync(['ip', 'netns', 'exec', nsName, ...argv], options);
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
