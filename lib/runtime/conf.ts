import { MAX_JSON_DEPTH, parseJson, pluginTypeProblem } from '../cni/index.ts';
import { ConfError } from './errors.ts';
import { goJson } from './go-json.ts';
import { jsonType, selectVersion } from './version-select.ts';

/** One plugin configuration object of a network. */
export interface PluginConf {
  /** The executable to run. */
  readonly type: string;
  /** Capabilities set to `true`: only these receive runtimeConfig entries. */
  readonly capabilities: readonly string[];
  /** The object exactly as configured; requests are built from it. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A network configuration list (a .conflist, or an up-converted legacy .conf). */
export interface NetworkConfigList {
  readonly name: string;
  /** The selected spec version (see selectVersion); never empty. */
  readonly cniVersion: string;
  readonly disableCheck: boolean;
  readonly disableGC: boolean;
  readonly loadOnlyInlinedPlugins: boolean;
  readonly plugins: readonly PluginConf[];
  /** The configuration bytes; stored base64 in the result cache like libcni does. */
  readonly bytes: Buffer;
  /** The file it was loaded from, if any. */
  readonly file?: string | undefined;
}

/** A single-plugin network (legacy .conf / .json, deprecated since spec 1.0.0). */
export interface NetworkConfig {
  readonly name: string;
  /** The plugin object's own cniVersion ("0.1.0" when absent). */
  readonly cniVersion: string;
  readonly plugin: PluginConf;
  readonly bytes: Buffer;
  readonly file?: string | undefined;
}

/**
 * The JSON object in `bytes`. Nesting is limited as for every JSON the suite reads
 * (lib/cni/json-depth.ts): a deeper config would be refused by the plugins anyway, and
 * serialising it (the up-converted list, every plugin's stdin) recurses.
 */
function parseObject(bytes: Uint8Array, what: string, maxDepth: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJson(Buffer.from(bytes).toString('utf8'), maxDepth);
  } catch (e) {
    throw new ConfError(`error parsing ${what}: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfError(`error parsing ${what}: expected a JSON object, got ${jsonType(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Parses a plugin configuration object. Only `type` is required; `capabilities` must map
 * names to booleans. Everything else is the plugin's business and is passed through.
 * @throws ConfError
 */
export function pluginConfFromObject(raw: Record<string, unknown>): PluginConf {
  if (raw.type === undefined || raw.type === '') throw new ConfError("error parsing configuration: missing 'type'");
  if (typeof raw.type !== 'string') throw new ConfError(`error parsing configuration: invalid 'type' type ${jsonType(raw.type)}`);
  const typeProblem = pluginTypeProblem(raw.type);
  if (typeProblem) throw new ConfError(`error parsing configuration: invalid plugin type ${JSON.stringify(raw.type)}: ${typeProblem}`);
  const capabilities: string[] = [];
  if (raw.capabilities !== undefined && raw.capabilities !== null) {
    if (typeof raw.capabilities !== 'object' || Array.isArray(raw.capabilities)) {
      throw new ConfError(`error parsing configuration: 'capabilities' must be an object, got ${jsonType(raw.capabilities)}`);
    }
    for (const [name, on] of Object.entries(raw.capabilities as Record<string, unknown>)) {
      if (typeof on !== 'boolean') {
        throw new ConfError(`error parsing configuration: capability "${name}" must be true or false, got ${JSON.stringify(on)}`);
      }
      if (on) capabilities.push(name);
    }
  }
  return { type: raw.type, capabilities, raw };
}

/**
 * Parses one plugin configuration from bytes (libcni NetworkPluginConfFromBytes).
 * @throws ConfError
 */
export function pluginConfFromBytes(bytes: Uint8Array): PluginConf {
  // two levels fewer: a single-plugin network is up-converted into {"plugins": [<it>]}
  return pluginConfFromObject(parseObject(bytes, 'configuration', MAX_JSON_DEPTH - 2));
}

/** libcni's boolean keys accept true/false and the strings "true"/"false" in any case. */
function readBool(raw: Record<string, unknown>, key: string): boolean {
  const v = raw[key];
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') throw new ConfError(`error parsing configuration list: invalid type ${jsonType(v)} for ${key}`);
  const s = v.toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new ConfError(`error parsing configuration list: invalid value "${v}" for ${key}`);
}

/**
 * Parses a network configuration list (libcni NetworkConfFromBytes). `plugins` may be absent
 * only when `loadOnlyInlinedPlugins` is false (plugins then come from the directory); present
 * and empty is an error.
 * @throws ConfError with libcni's messages.
 */
export function networkConfFromBytes(bytes: Uint8Array): NetworkConfigList {
  const raw = parseObject(bytes, 'configuration list', MAX_JSON_DEPTH);
  if (!('name' in raw)) throw new ConfError('error parsing configuration list: no name');
  if (typeof raw.name !== 'string') throw new ConfError(`error parsing configuration list: invalid name type ${jsonType(raw.name)}`);
  const cniVersion = selectVersion(raw.cniVersion, raw.cniVersions);
  const disableCheck = readBool(raw, 'disableCheck');
  const disableGC = readBool(raw, 'disableGC');
  const loadOnlyInlinedPlugins = readBool(raw, 'loadOnlyInlinedPlugins');
  const base = { name: raw.name, cniVersion, disableCheck, disableGC, loadOnlyInlinedPlugins, bytes: Buffer.from(bytes) };
  if (!('plugins' in raw)) {
    if (loadOnlyInlinedPlugins) {
      throw new ConfError("error parsing configuration list: `loadOnlyInlinedPlugins` is true, and no 'plugins' key");
    }
    return { ...base, plugins: [] };
  }
  if (!Array.isArray(raw.plugins)) throw new ConfError(`error parsing configuration list: invalid 'plugins' type ${jsonType(raw.plugins)}`);
  if (raw.plugins.length === 0) throw new ConfError('error parsing configuration list: no plugins in list');
  const plugins = raw.plugins.map((p: unknown, i) => {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) {
      throw new ConfError(`failed to parse plugin config ${i}: expected a JSON object, got ${jsonType(p)}`);
    }
    try {
      return pluginConfFromObject(p as Record<string, unknown>);
    } catch (e) {
      throw new ConfError(`failed to parse plugin config ${i}: ${(e as Error).message}`, { cause: e });
    }
  });
  return { ...base, plugins };
}

/**
 * Parses a legacy single-plugin network (a `.conf` whose top level has `type`).
 * @throws ConfError
 */
export function networkConfigFromBytes(bytes: Uint8Array): NetworkConfig {
  const plugin = pluginConfFromBytes(bytes);
  const { name, cniVersion } = plugin.raw;
  if (name !== undefined && typeof name !== 'string') throw new ConfError(`error parsing configuration: invalid name type ${jsonType(name)}`);
  return { name: name ?? '', cniVersion: selectVersion(cniVersion, undefined), plugin, bytes: Buffer.from(bytes) };
}

/**
 * Up-converts a single-plugin network into a one-plugin list, as libcni does: the list's bytes
 * are `{"cniVersion","name","plugins":[<the object>]}` serialised the way Go would.
 */
export function confListFromConf(net: NetworkConfig): NetworkConfigList {
  const raw = net.plugin.raw;
  const bytes = Buffer.from(goJson({ cniVersion: raw.cniVersion ?? '', name: net.name, plugins: [raw] }));
  return networkConfFromBytes(bytes);
}

/** A single network as a list of one, so every operation has one implementation. */
export function listOfOne(net: NetworkConfig): NetworkConfigList {
  return {
    name: net.name,
    cniVersion: net.cniVersion,
    disableCheck: false,
    disableGC: false,
    loadOnlyInlinedPlugins: true,
    plugins: [net.plugin],
    bytes: net.bytes,
    file: net.file,
  };
}
