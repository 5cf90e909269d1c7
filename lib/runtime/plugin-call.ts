import type { AnyResult } from '../cni/index.ts';
import { type Exec, execPluginWithResult, pluginEnv } from '../invoke/index.ts';
import type { NetworkConfigList, PluginConf } from './conf.ts';
import { attachmentRequest } from './request.ts';

/** What running one plugin of a network needs from the runtime. */
export interface PluginCaller {
  readonly exec: Exec;
  readonly pluginPaths: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number | undefined;
}

/** The attachment a verb acts on, plus its arguments (exported as RuntimeConf). */
export interface AttachmentArgs {
  readonly containerId: string;
  /** Path of the network namespace; may be empty on DEL. */
  readonly netns: string;
  readonly ifname: string;
  /** CNI_ARGS as ordered pairs. */
  readonly args?: readonly (readonly [string, string])[] | undefined;
  /** Capability arguments; each plugin receives those it enables, in `runtimeConfig`. */
  readonly capabilityArgs?: Readonly<Record<string, unknown>> | undefined;
  /** Cancels the operation: the running plugin is killed and the operation fails. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs one plugin of a list for ADD, CHECK or DEL: finds it, builds its stdin and
 * environment, runs it. ADD returns the decoded result.
 * @throws PluginNotFoundError, PluginError, ExecError, CniError 6 (undecodable ADD output)
 */
export async function callAttachment(
  caller: PluginCaller,
  command: 'ADD' | 'CHECK' | 'DEL',
  target: { list: NetworkConfigList; plugin: PluginConf; prevResult: AnyResult | undefined },
  rt: AttachmentArgs,
): Promise<AnyResult | undefined> {
  const { list, plugin, prevResult } = target;
  const path = caller.exec.findInPath(plugin.type, caller.pluginPaths);
  const stdin = attachmentRequest(plugin, { name: list.name, cniVersion: list.cniVersion, prevResult, capabilityArgs: rt.capabilityArgs });
  const env = pluginEnv(caller.env, {
    command,
    containerId: rt.containerId,
    netns: rt.netns,
    ifname: rt.ifname,
    args: rt.args,
    path: caller.pluginPaths,
  });
  const options = { signal: rt.signal, timeoutMs: caller.timeoutMs };
  if (command === 'ADD') return execPluginWithResult(caller.exec, path, stdin, env, options);
  await caller.exec.execPlugin(path, stdin, env, options);
  return undefined;
}

/**
 * Runs one plugin for GC or STATUS, which concern the whole network: no container, netns,
 * interface or CNI_ARGS (all set empty).
 */
export async function callNetwork(
  caller: PluginCaller,
  command: 'GC' | 'STATUS',
  target: { plugin: PluginConf; stdin: Buffer },
  signal: AbortSignal | undefined,
): Promise<void> {
  const path = caller.exec.findInPath(target.plugin.type, caller.pluginPaths);
  const env = pluginEnv(caller.env, { command, path: caller.pluginPaths });
  await caller.exec.execPlugin(path, target.stdin, env, { signal, timeoutMs: caller.timeoutMs });
}
