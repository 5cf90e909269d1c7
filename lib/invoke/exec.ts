import { basename } from 'node:path';
import { ExecError, type PluginContext } from './errors.ts';
import { pluginFailure } from './failure.ts';
import { findInPath } from './find.ts';
import { posixSpawner } from './posix-spawn.ts';
import type { Spawner } from './spawner.ts';

/** Per-run options. */
export interface ExecOptions {
  /** Aborting kills the plugin (SIGKILL) and fails the run with ExecError reason "aborted". */
  readonly signal?: AbortSignal | undefined;
  /** Kill the plugin after this many milliseconds (ExecError reason "timeout"). */
  readonly timeoutMs?: number | undefined;
}

/**
 * How the runtime and delegating plugins run plugin executables (Go's invoke.Exec): run one
 * with stdin and a complete environment, and find one in CNI_PATH. Tests substitute a fake.
 */
export interface Exec {
  /**
   * Runs the plugin and returns its stdout when it exits 0.
   * @throws PluginError when it exits non-zero (its spec error, or a description of its output).
   * @throws ExecError when it cannot be started, or is killed by a timeout or cancellation.
   */
  execPlugin(
    path: string,
    stdin: Uint8Array,
    env: Readonly<Record<string, string>>,
    options?: ExecOptions,
  ): Promise<Buffer>;
  /**
   * Finds a plugin by type in the given directories.
   * @throws PluginNotFoundError
   */
  findInPath(type: string, paths: readonly string[]): string;
}

/** How createExec runs processes; every field has a production default. */
export interface CreateExecOptions {
  /**
   * Starts the processes. @default posixSpawner() (why: see Spawner)
   */
  readonly spawner?: Spawner | undefined;
  /**
   * Receives the plugin's stderr after each run; false drops it.
   * @default writes to process.stderr
   */
  readonly stderr?: ((chunk: Buffer) => void) | false | undefined;
  /** Finds plugins. @default findInPath */
  readonly findInPath?: ((type: string, paths: readonly string[]) => string) | undefined;
  /** Waits between "text file busy" retries. @default a cancellable setTimeout */
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

/** libcni retries a binary that is being replaced ("text file busy") 5 more times, 1 s apart. */
export const BUSY_RETRIES = 5;
const BUSY_DELAY_MS = 1000;

/**
 * Builds an Exec: spawns through the given spawner, retries "text file busy", turns a
 * non-zero exit into a PluginError and forwards the plugin's stderr.
 * Unlike Go, a plugin that stays busy on every attempt is an error, not an empty success.
 */
export function createExec(options: CreateExecOptions = {}): Exec {
  const spawner = options.spawner ?? posixSpawner();
  const sleep = options.sleep ?? sleepFor;
  const forward = options.stderr === undefined ? writeStderr : options.stderr;
  return {
    findInPath: options.findInPath ?? findInPath,
    async execPlugin(path, stdin, env, runOptions = {}) {
      const context: PluginContext = { pluginPath: path, pluginType: basename(path), command: env.CNI_COMMAND ?? '' };
      for (let attempt = 0; ; attempt++) {
        const out = await spawner({ path, stdin, env, signal: runOptions.signal, timeoutMs: runOptions.timeoutMs });
        if (out.aborted) throw cancelled(context, runOptions.signal);
        if (out.timedOut) {
          throw new ExecError(context, 'timeout', `plugin ${path} (${context.command}) timed out after ${runOptions.timeoutMs} ms`);
        }
        if (out.spawnError === 'ETXTBSY') {
          if (attempt < BUSY_RETRIES) {
            await sleepOrAbort(sleep, BUSY_DELAY_MS, runOptions.signal, context);
            continue;
          }
          throw new ExecError(
            context,
            'busy',
            `plugin ${path} could not be started: text file busy on all ${BUSY_RETRIES + 1} attempts (is it being replaced?)`,
            { errno: 'ETXTBSY' },
          );
        }
        if (out.spawnError !== undefined) {
          throw new ExecError(context, 'spawn', `plugin ${path} could not be started: ${out.spawnMessage ?? out.spawnError}`, {
            errno: out.spawnError,
          });
        }
        if (out.exitCode === 0) {
          if (forward && out.stderr.length > 0) forward(out.stderr);
          return out.stdout;
        }
        // With empty stdout the error message quotes stderr; forwarding it too would repeat it.
        if (forward && out.stderr.length > 0 && out.stdout.length > 0) forward(out.stderr);
        throw pluginFailure(context, out);
      }
    },
  };
}

function writeStderr(chunk: Buffer): void {
  process.stderr.write(chunk);
}

async function sleepOrAbort(
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
  context: PluginContext,
): Promise<void> {
  if (signal?.aborted) throw cancelled(context, signal);
  await sleep(ms, signal);
  if (signal?.aborted) throw cancelled(context, signal);
}

function cancelled(context: PluginContext, signal: AbortSignal | undefined): ExecError {
  return new ExecError(context, 'aborted', `plugin ${context.pluginPath} (${context.command}) was cancelled`, {
    cause: signal?.reason,
  });
}

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
