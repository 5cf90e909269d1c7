import { spawn } from 'node:child_process';
import type { SpawnOutcome, Spawner } from '../../lib/invoke/index.ts';

/** How long to keep reading output after the plugin exited, if a grandchild holds the pipes. */
const PIPE_GRACE_MS = 1000;

/**
 * The bench driver's spawner over node:child_process. Why the bench has its own is said at
 * lib/invoke's Spawner; the contract is the same as posixSpawner's.
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
