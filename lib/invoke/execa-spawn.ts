import { execa } from 'execa';
import type { SpawnOutcome, Spawner } from './spawn.ts';

/**
 * The spawner over execa, for the runtime library (cnitool, runtimes embedding lib/runtime),
 * where the ~22 ms execa costs to load is paid once per process, not once per plugin.
 * Cancellation and timeouts are handled here rather than by execa's options: after the
 * SIGKILL the output pipes are closed too, because a grandchild the plugin started (a shell
 * script's `sleep`, a stuck iptables) would otherwise keep them open and the run would hang.
 */
export function execaSpawner(): Spawner {
  return async (request) => {
    const { path, stdin, env, signal, timeoutMs } = request;
    if (signal?.aborted) return notStarted(undefined, undefined, { aborted: true });
    const subprocess = execa(path, [], {
      input: stdin,
      env,
      extendEnv: false,
      reject: false,
      encoding: 'buffer',
      stripFinalNewline: false,
    });
    let timedOut = false;
    let aborted = false;
    const killHard = (): void => {
      subprocess.kill('SIGKILL');
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    };
    const onAbort = (): void => {
      aborted = true;
      killHard();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeoutMs !== undefined && timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            killHard();
          }, timeoutMs)
        : undefined;
    try {
      const r = await subprocess;
      // execa reports a start failure (ENOENT, EACCES, ETXTBSY) as a failed result with an
      // errno code but neither an exit code nor a signal.
      if (r.failed && r.exitCode === undefined && r.signal === undefined && !timedOut && !aborted) {
        return notStarted(r.code ?? 'EUNKNOWN', String((r.cause as Error | undefined)?.message ?? r.shortMessage));
      }
      return {
        stdout: Buffer.from(r.stdout ?? new Uint8Array()),
        stderr: Buffer.from(r.stderr ?? new Uint8Array()),
        exitCode: r.exitCode,
        timedOut,
        aborted,
      };
    } finally {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };
}

function notStarted(errno: string | undefined, message: string | undefined, extra: Partial<SpawnOutcome> = {}): SpawnOutcome {
  return { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: undefined, spawnError: errno, spawnMessage: message, ...extra };
}
