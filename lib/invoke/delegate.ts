import { type Result, toCurrentResult } from '../cni/index.ts';
import { type Exec, type ExecOptions, createExec } from './exec.ts';
import { splitCniPath } from './find.ts';
import { execPluginWithResult } from './result.ts';

/** The environment a delegating plugin received (skel's `req.env`). */
export type DelegateEnv = Readonly<Record<string, string | undefined>>;

/** Options of a delegation; the defaults are what a plugin in production wants. */
export interface DelegateOptions extends ExecOptions {
  /** @default createExec() over posix_spawn (posixSpawner: no node:child_process to load, no fork) */
  readonly exec?: Exec | undefined;
}

/**
 * Runs a delegate (usually IPAM) for ADD: found through the caller's CNI_PATH, given the whole
 * stdin config and the caller's environment with CNI_COMMAND=ADD. The result comes back in
 * the 1.1.0 form plugins work with, whatever version the delegate printed.
 * @throws PluginNotFoundError, PluginError (the delegate's own error), ExecError, CniError 6.
 */
export async function delegateAdd(type: string, stdin: Uint8Array, env: DelegateEnv, options: DelegateOptions = {}): Promise<Result> {
  const { exec, path, childEnv } = prepare(type, env, 'ADD', options);
  const result = await execPluginWithResult(exec, path, stdin, childEnv, options);
  return toCurrentResult(result);
}

/** Runs a delegate for DEL (same lookup and environment rules as delegateAdd). */
export async function delegateDel(type: string, stdin: Uint8Array, env: DelegateEnv, options: DelegateOptions = {}): Promise<void> {
  await run(type, stdin, env, 'DEL', options);
}

/** Runs a delegate for CHECK; its failure is the caller's failure. */
export async function delegateCheck(type: string, stdin: Uint8Array, env: DelegateEnv, options: DelegateOptions = {}): Promise<void> {
  await run(type, stdin, env, 'CHECK', options);
}

/** Runs a delegate for GC (spec 1.1: GC must be forwarded to delegates). */
export async function delegateGc(type: string, stdin: Uint8Array, env: DelegateEnv, options: DelegateOptions = {}): Promise<void> {
  await run(type, stdin, env, 'GC', options);
}

/** Runs a delegate for STATUS (spec 1.1: a plugin is only ready when its delegate is). */
export async function delegateStatus(type: string, stdin: Uint8Array, env: DelegateEnv, options: DelegateOptions = {}): Promise<void> {
  await run(type, stdin, env, 'STATUS', options);
}

async function run(type: string, stdin: Uint8Array, env: DelegateEnv, command: string, options: DelegateOptions): Promise<void> {
  const { exec, path, childEnv } = prepare(type, env, command, options);
  await exec.execPlugin(path, stdin, childEnv, options);
}

function prepare(
  type: string,
  env: DelegateEnv,
  command: string,
  options: DelegateOptions,
): { exec: Exec; path: string; childEnv: Record<string, string> } {
  const exec = options.exec ?? createExec();
  const path = exec.findInPath(type, splitCniPath(env.CNI_PATH));
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  childEnv.CNI_COMMAND = command;
  return { exec, path, childEnv };
}
