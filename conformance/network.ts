// A minimal runtime (the libcni behaviour of cni-protocol.md 3.4 and 4): builds each plugin's
// stdin (name/cniVersion injected, runtimeConfig from capabilities, prevResult), runs lists in
// order for ADD/CHECK/GC/STATUS and in reverse for DEL. Kept here so the suite does not depend on
// our own runtime library while judging our plugins.
import { basename } from 'node:path';
import { ensure, expectSuccess } from './expect.ts';
import type { CheckContext, Invocation } from './types.ts';
import { hasCheck, type SpecVersion } from './versions.ts';

/** One plugin of a network list, with the executable that implements it. */
export interface NetPlugin {
  /** The plugin object as in a conflist (has `type`). */
  readonly conf: Record<string, unknown>;
  readonly binary: string;
  /** CNI_PATH for this plugin (where it finds delegates); defaults to its own directory. */
  readonly cniPath?: string;
}

/** A network configuration list. */
export interface Network {
  readonly name: string;
  readonly cniVersion: SpecVersion;
  readonly plugins: readonly NetPlugin[];
}

/** One container attachment. */
export interface Attachment {
  readonly containerId: string;
  readonly ifname: string;
  /** CNI_NETNS (a path). */
  readonly netns: string;
  readonly args?: string;
}

/** Capability arguments a runtime supplies (e.g. `portMappings`). */
export type CapabilityArgs = Readonly<Record<string, unknown>>;

/** The stdin a runtime gives one plugin (cni-protocol.md 3.4). */
export function requestConf(
  net: Network,
  plugin: NetPlugin,
  opts: { prevResult?: unknown; capabilityArgs?: CapabilityArgs | undefined } = {},
): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin.conf, name: net.name, cniVersion: net.cniVersion };
  const caps = plugin.conf.capabilities as Record<string, unknown> | undefined;
  const rc: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts.capabilityArgs ?? {})) if (caps?.[k] === true) rc[k] = v;
  if (Object.keys(rc).length > 0) conf.runtimeConfig = rc;
  if (opts.prevResult !== undefined) conf.prevResult = opts.prevResult;
  return conf;
}

function callFor(att: Attachment, plugin: NetPlugin) {
  return {
    containerId: att.containerId,
    netns: att.netns,
    ifname: att.ifname,
    ...(att.args !== undefined ? { args: att.args } : {}),
    ...(plugin.cniPath !== undefined ? { cniPath: plugin.cniPath } : {}),
  };
}

/** Runs ADD through the list; fails the check at the first plugin that fails. Returns the final result. */
export async function addNetwork(ctx: CheckContext, net: Network, att: Attachment, capabilityArgs?: CapabilityArgs): Promise<Record<string, unknown>> {
  let prev: Record<string, unknown> | undefined;
  for (const plugin of net.plugins) {
    const inv = await ctx.call(plugin.binary, {
      command: 'ADD',
      stdin: requestConf(net, plugin, { prevResult: prev, capabilityArgs }),
      ...callFor(att, plugin),
    });
    // shape is judged by the dedicated ADD checks; here only success and a JSON object count
    const out = expectSuccess(inv, `${basename(plugin.binary)} ADD (${att.containerId})`);
    ensure(typeof out === 'object' && out !== null && !Array.isArray(out), `${basename(plugin.binary)} ADD printed no result object`);
    prev = out as Record<string, unknown>;
  }
  if (prev === undefined) throw new Error('empty network list');
  return prev;
}

/** Options of {@link delNetwork}. */
export interface DelOptions {
  /** The cached ADD result; sent as prevResult from 0.4.0 on. */
  prevResult?: unknown;
  capabilityArgs?: CapabilityArgs;
  /** Override CNI_NETNS: `''` for an empty value, `null` to leave it unset. */
  netns?: string | null;
}

/** Runs DEL through the list in reverse; returns every execution (first failure stops it). */
export async function delNetworkRaw(ctx: CheckContext, net: Network, att: Attachment, opts: DelOptions = {}): Promise<Invocation[]> {
  const out: Invocation[] = [];
  const prevResult = hasCheck(net.cniVersion) ? opts.prevResult : undefined;
  for (const plugin of [...net.plugins].reverse()) {
    const { netns: _ignored, ...call } = callFor(att, plugin);
    const netns = opts.netns === undefined ? att.netns : (opts.netns ?? undefined);
    const inv = await ctx.call(plugin.binary, {
      command: 'DEL',
      stdin: requestConf(net, plugin, { prevResult, capabilityArgs: opts.capabilityArgs }),
      ...call,
      ...(netns !== undefined ? { netns } : {}),
    });
    out.push(inv);
    if (inv.code !== 0) break;
  }
  return out;
}

/** Runs DEL through the list in reverse and fails the check when any plugin fails. */
export async function delNetwork(ctx: CheckContext, net: Network, att: Attachment, opts: DelOptions = {}): Promise<void> {
  for (const inv of await delNetworkRaw(ctx, net, att, opts)) expectSuccess(inv, `${basename(inv.binary)} DEL (${att.containerId})`);
}

/** Runs CHECK through the list; returns every execution up to the first failure. */
export async function checkNetwork(
  ctx: CheckContext,
  net: Network,
  att: Attachment,
  opts: { prevResult: unknown; capabilityArgs?: CapabilityArgs },
): Promise<Invocation[]> {
  const out: Invocation[] = [];
  for (const plugin of net.plugins) {
    const inv = await ctx.call(plugin.binary, {
      command: 'CHECK',
      stdin: requestConf(net, plugin, opts),
      ...callFor(att, plugin),
    });
    out.push(inv);
    if (inv.code !== 0) break;
  }
  return out;
}

/** Runs GC through the list with the given valid attachments (both key spellings, as libcni). */
export async function gcNetwork(ctx: CheckContext, net: Network, valid: readonly Attachment[]): Promise<Invocation[]> {
  const list = valid.map((a) => ({ containerID: a.containerId, ifname: a.ifname }));
  const out: Invocation[] = [];
  for (const plugin of net.plugins) {
    const stdin = { ...requestConf(net, plugin), 'cni.dev/valid-attachments': list, 'cni.dev/attachments': list };
    out.push(await ctx.call(plugin.binary, { command: 'GC', stdin, ...(plugin.cniPath !== undefined ? { cniPath: plugin.cniPath } : {}) }));
  }
  return out;
}

/** Runs STATUS through the list; returns every execution up to the first failure. */
export async function statusNetwork(ctx: CheckContext, net: Network): Promise<Invocation[]> {
  const out: Invocation[] = [];
  for (const plugin of net.plugins) {
    const inv = await ctx.call(plugin.binary, {
      command: 'STATUS',
      stdin: requestConf(net, plugin),
      ...(plugin.cniPath !== undefined ? { cniPath: plugin.cniPath } : {}),
    });
    out.push(inv);
    if (inv.code !== 0) break;
  }
  return out;
}
