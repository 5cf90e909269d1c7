import { type RunningProcess, SysError, startProcess } from '../sys/index.ts';
import type { SpawnOutcome, Spawner } from './spawner.ts';

/** How long to keep reading output after the plugin exited, if a grandchild holds the pipes. */
const PIPE_GRACE_MS = 1000;

/**
 * The production spawner (why this one: see Spawner): posix_spawn through lib/sys. The child
 * starts synchronously inside the call (so it overlaps the caller's synchronous work, and
 * lives in the caller thread's netns); SIGKILL on timeout or abort without waiting for
 * grandchildren, otherwise at most 1 s for pipes a grandchild holds.
 */
export function posixSpawner(): Spawner {
  return (request) => {
    const { path, stdin, env, signal, timeoutMs } = request;
    if (signal?.aborted) return Promise.resolve({ ...notStarted(undefined, undefined), aborted: true });
    let child: RunningProcess;
    try {
      child = startProcess({ file: path, argv: [path], env, stdin, pipeGraceMs: PIPE_GRACE_MS });
    } catch (e) {
      // ENOENT, EACCES, ETXTBSY (the binary is being replaced: the caller retries), ENOEXEC...
      if (e instanceof SysError) return Promise.resolve(notStarted(e.code, e.message));
      return Promise.resolve(notStarted('EINVAL', e instanceof Error ? e.message : String(e)));
    }
    let timedOut = false;
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      child.kill();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeoutMs !== undefined && timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill();
          }, timeoutMs)
        : undefined;
    return child.outcome.then(
      (out): SpawnOutcome => {
        cleanup();
        return { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode, spawnError: undefined, spawnMessage: undefined, timedOut, aborted };
      },
      (e: unknown): never => {
        cleanup();
        throw e;
      },
    );

    function cleanup(): void {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };
}

function notStarted(errno: string | undefined, message: string | undefined): SpawnOutcome {
  return { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: undefined, spawnError: errno, spawnMessage: message };
}
