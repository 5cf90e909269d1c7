import { join } from 'node:path';
import type { CachedAttachment } from './cache.ts';
import { type NetworkConfigList, confListFromConf, networkConfFromBytes, networkConfigFromBytes } from './conf.ts';
import { pluginConfsFromDir } from './load.ts';

/**
 * The configuration to DEL a stale attachment with during GC: the one it was added with,
 * when the cache holds a usable copy for the same network (so a changed configuration cannot
 * leak what the old one created), otherwise the current one. libcni caches the file's bytes,
 * without the plugins appended from `<dir>/<name>/`; those are appended again from the
 * current list's directory.
 */
export async function configForStaleDel(current: NetworkConfigList, att: CachedAttachment): Promise<NetworkConfigList> {
  if (att.config.length === 0) return current;
  let cached: NetworkConfigList;
  try {
    cached = parseCachedConfig(att.config);
  } catch {
    return current; // unparsable: libcni's behaviour (the current list) is the best we have
  }
  if (cached.name !== current.name) return current;
  if (!cached.loadOnlyInlinedPlugins && current.file) {
    try {
      const extra = await pluginConfsFromDir(join(current.file, '..'), cached.name);
      cached = { ...cached, plugins: [...cached.plugins, ...extra] };
    } catch {
      return current;
    }
  }
  return cached.plugins.length > 0 ? cached : current;
}

/** Cached config bytes are a list (AddNetworkList) or a single plugin (AddNetwork). */
function parseCachedConfig(bytes: Buffer): NetworkConfigList {
  const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
  if (parsed !== null && typeof parsed === 'object' && 'type' in parsed && !('plugins' in parsed)) {
    return confListFromConf(networkConfigFromBytes(bytes));
  }
  return networkConfFromBytes(bytes);
}
