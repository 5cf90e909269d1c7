import { join } from 'node:path';
import { PluginNotFoundError } from '../invoke/errors.ts';
import { type Exec, createExec } from '../invoke/exec.ts';
import type { SpawnOutcome, SpawnRequest, Spawner } from '../invoke/spawner.ts';

/** What a fake plugin answers: output and exit code, or a start failure such as ETXTBSY. */
export type FakeAnswer =
  | { readonly stdout?: string | object; readonly stderr?: string; readonly exitCode?: number }
  | { readonly spawnError: string };

/** A fake plugin: gets the run's stdin (parsed when it is JSON) and environment. */
export type FakePlugin = (call: FakeCall) => FakeAnswer | Promise<FakeAnswer>;

/** One recorded run of a fake plugin. */
export interface FakeCall {
  readonly path: string;
  readonly stdin: string;
  readonly env: Readonly<Record<string, string>>;
}

/** A fake Exec plus what it saw. */
export interface FakeExec {
  readonly exec: Exec;
  /** Every spawn attempt, retries included, in order. */
  readonly calls: FakeCall[];
  /** Every retry delay requested, in ms (the fake does not really wait). */
  readonly sleeps: number[];
}

/**
 * A spawner that answers from a table keyed by executable path, for testing the exec logic
 * (retries, error parsing, stderr forwarding) without processes.
 */
export function fakeSpawner(plugins: Readonly<Record<string, FakePlugin>>, calls: FakeCall[] = []): Spawner {
  return async (request: SpawnRequest): Promise<SpawnOutcome> => {
    const call: FakeCall = { path: request.path, stdin: Buffer.from(request.stdin).toString('utf8'), env: request.env };
    calls.push(call);
    const plugin = plugins[request.path];
    const none = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: undefined };
    if (!plugin) return { ...none, spawnError: 'ENOENT', spawnMessage: `spawn ${request.path} ENOENT` };
    if (request.signal?.aborted) return { ...none, aborted: true };
    const answer = await plugin(call);
    if ('spawnError' in answer) {
      return { ...none, spawnError: answer.spawnError, spawnMessage: `spawn ${request.path} ${answer.spawnError}` };
    }
    const stdout = answer.stdout === undefined ? '' : typeof answer.stdout === 'string' ? answer.stdout : JSON.stringify(answer.stdout);
    return { stdout: Buffer.from(stdout), stderr: Buffer.from(answer.stderr ?? ''), exitCode: answer.exitCode ?? 0 };
  };
}

/**
 * A complete fake Exec: plugins live in the directory `dir` (default "/fake/bin") under their
 * type names, findInPath follows the real rules over that table, and retry sleeps return at
 * once. Stderr is collected into `stderr` unless a sink is given.
 */
export function fakeExec(
  plugins: Readonly<Record<string, FakePlugin>>,
  options: { dir?: string; stderr?: ((chunk: Buffer) => void) | false } = {},
): FakeExec {
  const dir = options.dir ?? '/fake/bin';
  const calls: FakeCall[] = [];
  const sleeps: number[] = [];
  const byPath: Record<string, FakePlugin> = {};
  for (const [type, plugin] of Object.entries(plugins)) byPath[join(dir, type)] = plugin;
  const exec = createExec({
    spawner: fakeSpawner(byPath, calls),
    stderr: options.stderr ?? false,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    findInPath(type, paths) {
      if (type === '') throw new PluginNotFoundError(type, paths, 'no plugin name provided');
      if (type.includes('/')) throw new PluginNotFoundError(type, paths, `invalid plugin name "${type}": it must not contain a path separator`);
      if (paths.length === 0) throw new PluginNotFoundError(type, paths, 'no paths provided');
      if (paths.includes(dir) && byPath[join(dir, type)]) return join(dir, type);
      throw new PluginNotFoundError(type, paths, `failed to find plugin "${type}" in path [${paths.join(' ')}]`);
    },
  });
  return { exec, calls, sleeps };
}
