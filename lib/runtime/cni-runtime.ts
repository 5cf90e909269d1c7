import {
  type AnyResult,
  CniError,
  ErrorCode,
  specHasCheck,
  specHasGcAndStatus,
  specHasPrevResultOnDel,
  validateContainerId,
  validateIfname,
  validateNetworkName,
} from '../cni/index.ts';
import { type Exec, type PluginInfo, createExec, getVersionInfo } from '../invoke/index.ts';
import { type CacheKey, type CachedAttachment, DEFAULT_CACHE_DIR, ResultCache, type WarningSink } from './cache.ts';
import { type NetworkConfig, type NetworkConfigList, type PluginConf, listOfOne } from './conf.ts';
import { CacheError, ConfError, MultiError, NetworkPluginError, type Operation } from './errors.ts';
import { DEFAULT_LOCK_TIMEOUT_MS, OperationLocks } from './operation-lock.ts';
import { type PluginCaller, callAttachment, callNetwork } from './plugin-call.ts';
import type { CachedConfig, CniRuntimeOptions, GcArgs, OperationOptions, RuntimeConf } from './runtime-options.ts';
import { gcRequest, statusRequest } from './request.ts';
import { configForStaleDel } from './stale-del.ts';

export type { CachedConfig, CniRuntimeOptions, GcArgs, OperationOptions, RuntimeConf } from './runtime-options.ts';

function emitWarning(message: string): void {
  process.emitWarning(message, 'CniRuntimeWarning');
}

/**
 * The runtime side of CNI, equivalent to Go's libcni CNIConfig: runs network lists and single
 * networks through their plugins for ADD, CHECK, DEL, GC and STATUS with libcni's semantics,
 * builds each plugin's stdin, keeps the Go-compatible result cache, and validates lists.
 * Needs no root; under Node it reaches libc (koffi, through lib/sys) to start plugins and to
 * lock.
 *
 * Operations on one container and network are serialised, across processes sharing the cache
 * directory: ADD, CHECK and DEL hold `<cacheDir>/locks/<network>/<containerID>` exclusively
 * (and the network's `.network` shared) for their whole chain, GC holds the network
 * exclusively. A second operation waits (polling, the event loop keeps running) up to
 * `lockTimeoutMs`, then fails with code 11. See operation-lock.ts for the lock files' life.
 */
export class CniRuntime {
  readonly pluginPaths: readonly string[];
  readonly cache: ResultCache;
  private readonly exec: Exec;
  private readonly env: Readonly<Record<string, string | undefined>> | undefined;
  private readonly timeoutMs: number | undefined;
  private readonly locks: OperationLocks;
  private readonly warn: WarningSink;

  constructor(options: CniRuntimeOptions) {
    const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
    this.pluginPaths = [...options.pluginPaths];
    this.warn = options.onWarning ?? emitWarning;
    this.cache = new ResultCache(cacheDir, this.warn);
    this.exec = options.exec ?? createExec();
    this.env = options.env;
    this.timeoutMs = options.timeoutMs;
    this.locks = new OperationLocks(cacheDir, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  }

  // ---- network lists -------------------------------------------------------------------

  /**
   * ADD: runs the plugins in order, each getting the previous one's result as prevResult,
   * stops at the first failure, then caches the final result (a cache write failure fails
   * the ADD). After a failure the caller should DEL: libcni does not clean up for you.
   * @throws CniError (invalid container ID, network or interface name), NetworkPluginError, CacheError
   */
  async addNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<AnyResult> {
    return this.add(list, rt, list.bytes);
  }

  /**
   * CHECK: only for lists at 0.4.0 or later; nothing when `disableCheck`. Every plugin, in
   * order, gets the cached result as prevResult; stops at the first failure.
   * @throws CniError code 1 below 0.4.0, CacheError for an unusable cache entry, NetworkPluginError
   */
  async checkNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    if (!specHasCheck(list.cniVersion)) {
      throw new CniError(ErrorCode.IncompatibleVersion, `configuration version "${list.cniVersion}" does not support the CHECK command`);
    }
    if (list.disableCheck) return;
    this.validateAttachment(list, rt);
    await this.locks.withContainer(list.name, rt.containerId, rt.signal, async () => {
      const read = await this.cache.readResult(this.keyOf(list, rt), list.cniVersion);
      if (read.status === 'bad') {
        throw new CacheError(`failed to get network "${list.name}" cached result: ${read.error.message}`, { cause: read.error });
      }
      const prevResult = read.status === 'ok' ? read.result : undefined;
      for (const plugin of list.plugins) {
        await this.runAttachment('CHECK', 'check', list, plugin, rt, prevResult);
      }
      return { value: undefined, forget: false };
    });
  }

  /**
   * DEL: runs the plugins in reverse order, each getting the cached result (from 0.4.0),
   * stops at the first failure and removes the cache entry after success. An unusable cache
   * entry (damaged, planted, another attachment's) does not block DEL: it is reported to
   * `onWarning` and DEL goes on without prevResult.
   * @throws CniError code 4 (container ID, network or interface name unusable), NetworkPluginError,
   *   LockTimeoutError (code 11)
   */
  async delNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    this.validateAttachment(list, rt);
    await this.locks.withContainer(list.name, rt.containerId, rt.signal, async () => {
      await this.delLocked(list, rt);
      return { value: undefined, forget: true };
    });
  }

  /**
   * GC (libcni GCNetworkList): nothing when `disableGC`. Otherwise DELs every cached
   * attachment of this network that is not valid (with the netns, CNI_ARGS, capability args
   * and configuration cached at ADD), then, from 1.1.0, sends GC to every plugin in order.
   * Keeps going after failures and reports them all.
   * @throws MultiError listing every failure
   */
  async gcNetworkList(list: NetworkConfigList, args: GcArgs = {}): Promise<void> {
    if (list.disableGC) return;
    validateNetworkName(list.name);
    await this.locks.withNetwork(list.name, args.signal, () => this.gcLocked(list, args));
  }

  /** GC holding the network exclusively: no ADD, CHECK or DEL of it runs meanwhile. */
  private async gcLocked(list: NetworkConfigList, args: GcArgs): Promise<void> {
    const errors: Error[] = [];
    const valid = args.validAttachments ? new Set(args.validAttachments.map((a) => `${a.containerId}\0${a.ifname}`)) : undefined;
    let cached: CachedAttachment[] = [];
    try {
      cached = await this.cache.attachments();
    } catch (e) {
      errors.push(e as Error);
    }
    for (const att of cached) {
      if (att.network !== list.name || valid?.has(`${att.containerId}\0${att.ifname}`)) continue;
      const rt: RuntimeConf = {
        containerId: att.containerId,
        netns: att.netns ?? '',
        ifname: att.ifname,
        args: att.cniArgs,
        capabilityArgs: att.capabilityArgs,
        signal: args.signal,
      };
      try {
        await this.delLocked(await configForStaleDel(list, att), rt);
      } catch (e) {
        errors.push(new Error(`failed to delete stale attachment ${att.containerId} ${att.ifname}: ${(e as Error).message}`, { cause: e }));
      }
    }
    if (specHasGcAndStatus(list.cniVersion)) {
      for (const plugin of list.plugins) {
        try {
          const stdin = gcRequest(plugin, list, args.validAttachments);
          await callNetwork(this.caller(), 'GC', { plugin, stdin }, args.signal);
        } catch (e) {
          errors.push(new NetworkPluginError(plugin.type, list.name, 'gc', e));
        }
      }
    }
    if (errors.length > 0) throw new MultiError(`GC of network "${list.name}" failed`, errors);
  }

  /**
   * STATUS: nothing below 1.1.0; otherwise every plugin in order, stopping at the first
   * failure (codes 50/51 say the network cannot take new attachments).
   * @throws NetworkPluginError keeping the plugin's code
   */
  async getStatusNetworkList(list: NetworkConfigList, options: OperationOptions = {}): Promise<void> {
    if (!specHasGcAndStatus(list.cniVersion)) return;
    for (const plugin of list.plugins) {
      try {
        await callNetwork(this.caller(), 'STATUS', { plugin, stdin: statusRequest(plugin, list) }, options.signal);
      } catch (e) {
        throw new NetworkPluginError(plugin.type, list.name, 'status', e);
      }
    }
  }

  /**
   * Checks that every plugin exists and supports the list's version exactly (asking each
   * with VERSION), collecting all problems. Returns the union of enabled capabilities.
   * @throws MultiError listing every problem
   */
  async validateNetworkList(list: NetworkConfigList, options: OperationOptions = {}): Promise<string[]> {
    const errors: Error[] = [];
    const caps: string[] = [];
    for (const plugin of list.plugins) {
      try {
        await this.validatePlugin(plugin.type, list.cniVersion, options);
      } catch (e) {
        errors.push(e as Error);
      }
      for (const cap of plugin.capabilities) if (!caps.includes(cap)) caps.push(cap);
    }
    if (errors.length > 0) throw new MultiError(`network "${list.name}" is not valid`, errors);
    return caps;
  }

  /**
   * A plugin's answer to VERSION.
   * @throws PluginNotFoundError, PluginError, ExecError, CniError code 6 (bad answer)
   */
  async getVersionInfo(type: string, options: OperationOptions = {}): Promise<PluginInfo> {
    const path = this.exec.findInPath(type, this.pluginPaths);
    return getVersionInfo(this.exec, path, { env: this.baseEnv(), signal: options.signal, timeoutMs: this.timeoutMs });
  }

  // ---- single networks (legacy .conf) --------------------------------------------------

  /** ADD for a single-plugin network; the network's own bytes are cached. */
  async addNetwork(net: NetworkConfig, rt: RuntimeConf): Promise<AnyResult> {
    return this.add(listOfOne(net), rt, net.bytes);
  }

  /** CHECK for a single-plugin network. */
  async checkNetwork(net: NetworkConfig, rt: RuntimeConf): Promise<void> {
    return this.checkNetworkList(listOfOne(net), rt);
  }

  /** DEL for a single-plugin network (tolerates an unusable cache entry, like the list form). */
  async delNetwork(net: NetworkConfig, rt: RuntimeConf): Promise<void> {
    return this.delNetworkList(listOfOne(net), rt);
  }

  /** Validation of a single-plugin network; returns its enabled capabilities. */
  async validateNetwork(net: NetworkConfig, options: OperationOptions = {}): Promise<string[]> {
    return this.validateNetworkList(listOfOne(net), options);
  }

  // ---- cache access ----------------------------------------------------------------------

  /**
   * The cached ADD result, converted to the network's version; undefined when none.
   * @throws CacheError when the entry is unusable
   */
  async cachedResult(net: NetworkConfigList | NetworkConfig, rt: Pick<RuntimeConf, 'containerId' | 'ifname'>): Promise<AnyResult | undefined> {
    const read = await this.cache.readResult(this.keyOf(net, rt), net.cniVersion);
    if (read.status === 'bad') throw read.error;
    return read.status === 'ok' ? read.result : undefined;
  }

  /**
   * The configuration bytes cached at ADD, plus `rt` with the cached CNI_ARGS and capability
   * args, so a DEL can run with the original arguments. Undefined when nothing is cached.
   * @throws CacheError when the entry is unusable
   */
  async cachedConfig(net: NetworkConfigList | NetworkConfig, rt: RuntimeConf): Promise<CachedConfig | undefined> {
    const entry = await this.cache.readEntry(this.keyOf(net, rt));
    if (!entry) return undefined;
    return {
      config: entry.config,
      rt: { ...rt, args: entry.cniArgs ?? rt.args, capabilityArgs: entry.capabilityArgs },
    };
  }

  /** Every cached attachment, optionally of one container only. */
  async cachedAttachments(containerId?: string): Promise<CachedAttachment[]> {
    return this.cache.attachments(containerId);
  }

  // ---- internals -------------------------------------------------------------------------

  private baseEnv(): Readonly<Record<string, string | undefined>> {
    return this.env ?? process.env;
  }

  private keyOf(net: { name: string }, rt: Pick<RuntimeConf, 'containerId' | 'ifname'>): CacheKey {
    return { network: net.name, containerId: rt.containerId, ifname: rt.ifname };
  }

  /**
   * The container ID and network name become file names (cache and locks); the interface name
   * too, in the cache.
   * @throws CniError code 4 (container ID, interface name) or 7 (network name)
   */
  private validateAttachment(list: NetworkConfigList, rt: Pick<RuntimeConf, 'containerId' | 'ifname'>): void {
    validateContainerId(rt.containerId);
    validateNetworkName(list.name);
    validateIfname(rt.ifname);
  }

  /** DEL, the caller holding the container's lock (or the network's, in GC). */
  private async delLocked(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    const key = this.keyOf(list, rt);
    let prevResult: AnyResult | undefined;
    if (specHasPrevResultOnDel(list.cniVersion)) {
      const read = await this.cache.readResult(key, list.cniVersion);
      if (read.status === 'ok') prevResult = read.result;
      else if (read.status === 'bad') this.warn(`${read.error.message}; DEL goes on without prevResult`);
    }
    for (let i = list.plugins.length - 1; i >= 0; i--) {
      const plugin = list.plugins[i] as PluginConf;
      await this.runAttachment('DEL', 'delete', list, plugin, rt, prevResult);
    }
    // Every plugin has let go; a cache file we cannot remove must not turn that into a failure
    // (libcni ignores this error too). It is reported; a later DEL or GC meets it again.
    await this.cache.remove(key).catch((e: unknown) => this.warn((e as Error).message));
  }

  private async add(list: NetworkConfigList, rt: RuntimeConf, cacheBytes: Buffer): Promise<AnyResult> {
    this.validateAttachment(list, rt);
    if (list.plugins.length === 0) throw new ConfError(`network "${list.name}" has no plugins`);
    return this.locks.withContainer(list.name, rt.containerId, rt.signal, async () => ({ value: await this.addLocked(list, rt, cacheBytes), forget: false }));
  }

  private async addLocked(list: NetworkConfigList, rt: RuntimeConf, cacheBytes: Buffer): Promise<AnyResult> {
    let result: AnyResult | undefined;
    for (const plugin of list.plugins) {
      result = await this.runAttachment('ADD', 'add', list, plugin, rt, result);
    }
    const final = result as AnyResult;
    try {
      await this.cache.write({
        containerId: rt.containerId,
        config: cacheBytes,
        ifName: rt.ifname,
        networkName: list.name,
        netns: rt.netns,
        cniArgs: rt.args,
        capabilityArgs: rt.capabilityArgs,
        result: final as unknown as Record<string, unknown>,
      });
    } catch (e) {
      throw new CacheError(`failed to set network "${list.name}" cached result: ${(e as Error).message}`, { cause: e });
    }
    return final;
  }

  /** Runs one plugin for ADD, CHECK or DEL, wrapping any failure with plugin and network. */
  private async runAttachment(
    command: 'ADD' | 'CHECK' | 'DEL',
    operation: Operation,
    list: NetworkConfigList,
    plugin: PluginConf,
    rt: RuntimeConf,
    prevResult: AnyResult | undefined,
  ): Promise<AnyResult | undefined> {
    try {
      return await callAttachment(this.caller(), command, { list, plugin, prevResult }, rt);
    } catch (e) {
      throw new NetworkPluginError(plugin.type, list.name, operation, e);
    }
  }

  private caller(): PluginCaller {
    return { exec: this.exec, pluginPaths: this.pluginPaths, env: this.baseEnv(), timeoutMs: this.timeoutMs };
  }

  private async validatePlugin(type: string, version: string, options: OperationOptions): Promise<void> {
    const info = await this.getVersionInfo(type, options);
    if (!info.supportedVersions.includes(version)) {
      throw new CniError(
        ErrorCode.IncompatibleVersion,
        `plugin type="${type}" does not support config version "${version}"`,
        `it supports [${info.supportedVersions.join(' ')}]`,
      );
    }
  }
}
