import { spawn } from 'node:child_process';

/** How long to keep reading output after the plugin exited, if a grandchild holds the pipes. */
const PIPE_GRACE_MS = 1000;

/** One plugin run as the spawner sees it: no CNI knowledge, just bytes in and out. */
export interface SpawnRequest {
  readonly path: string;
  readonly stdin: Uint8Array;
  /** The complete environment of the child (nothing is inherited implicitly). */
  readonly env: Readonly<Record<string, string>>;
  /** Aborting kills the child with SIGKILL, as Go's exec.CommandContext does. */
  readonly signal?: AbortSignal | undefined;
  /** Kill the child with SIGKILL after this many milliseconds. */
  readonly timeoutMs?: number | undefined;
}

/** What one run produced. A non-zero exit is data here, not an exception. */
export interface SpawnOutcome {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** undefined when the child never started or a signal ended it. */
  readonly exitCode: number | undefined;
  /** The errno name when the child could not be started (ENOENT, EACCES, ETXTBSY, ...). */
  readonly spawnError?: string | undefined;
  /** The message of the start failure. */
  readonly spawnMessage?: string | undefined;
  readonly timedOut?: boolean | undefined;
  readonly aborted?: boolean | undefined;
}

/**
 * Runs one child process to completion. The seam between the CNI exec logic (retries, error
 * parsing) and process creation: the real spawners use node:child_process or execa, tests
 * use a fake that answers from a table.
 */
export type Spawner = (request: SpawnRequest) => Promise<SpawnOutcome>;

/**
 * The spawner over node:child_process, for callers that cannot load koffi. Plugins delegate
 * through posixSpawner instead: loading node:child_process (~6 ms) and forking the whole Node
 * process (~4 ms) cost every delegating ADD and DEL; execa would cost ~22 ms more.
 */
export function childProcessSpawner(): Spawner {
  return (request) =>
    new Promise((resolve) => {
      const { path, stdin, env, signal, timeoutMs } = request;
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      let aborted = false;
      let spawnError: NodeJS.ErrnoException | undefined;
      let timer: NodeJS.Timeout | undefined;

      if (signal?.aborted) {
        resolve({ ...notStarted(undefined, undefined), aborted: true });
        return;
      }
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(path, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      } catch (e) {
        // Node throws synchronously for errors other than EACCES/EAGAIN/EMFILE/ENFILE/ENOENT,
        // notably ETXTBSY (the binary is being replaced), which the caller retries.
        const err = e as NodeJS.ErrnoException;
        resolve(notStarted(err.code ?? 'EUNKNOWN', err.message));
        return;
      }
      const kill = (): void => {
        child.kill('SIGKILL');
      };
      const onAbort = (): void => {
        aborted = true;
        kill();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => {
          timedOut = true;
          kill();
        }, timeoutMs);
      }
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (err: NodeJS.ErrnoException) => {
        spawnError ??= err;
      });
      // A plugin may exit without reading stdin (EPIPE): that is its business, not an error here.
      child.stdin?.on('error', () => {});
      child.stdin?.end(stdin);
      let settled = false;
      let exitCode: number | undefined;
      let grace: NodeJS.Timeout | undefined;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (grace) clearTimeout(grace);
        signal?.removeEventListener('abort', onAbort);
        const started = child.pid !== undefined;
        resolve({
          stdout: Buffer.concat(stdout),
          stderr: Buffer.concat(stderr),
          exitCode: started ? exitCode : undefined,
          spawnError: !started ? (spawnError?.code ?? 'EUNKNOWN') : undefined,
          spawnMessage: !started ? spawnError?.message : undefined,
          timedOut,
          aborted,
        });
      };
      child.on('exit', (code) => {
        exitCode = code ?? undefined;
        // Normally 'close' follows at once, with all output read. A grandchild that inherited
        // the pipes (a shell script's sleep, a daemon) can hold them open: after a kill we do
        // not wait for it at all, otherwise only briefly.
        if (timedOut || aborted) {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish();
        } else {
          grace = setTimeout(() => {
            child.stdout?.destroy();
            child.stderr?.destroy();
            finish();
          }, PIPE_GRACE_MS);
        }
      });
      child.on('close', (code) => {
        exitCode ??= code ?? undefined;
        finish();
      });
    });
}

function notStarted(errno: string | undefined, message: string | undefined): SpawnOutcome {
  return { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: undefined, spawnError: errno, spawnMessage: message };
}
