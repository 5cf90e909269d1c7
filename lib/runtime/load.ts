import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  type NetworkConfigList,
  confListFromConf,
  networkConfFromBytes,
  networkConfigFromBytes,
  pluginConfFromBytes,
  type PluginConf,
  type NetworkConfig,
} from './conf.ts';
import { ConfError, NetworkNotFoundError, NoConfigsFoundError } from './errors.ts';

/**
 * The files of `dir` (not recursive, directories skipped) whose extension is one of
 * `extensions`, sorted by name. A missing directory has no files.
 * @throws the fs error for anything but a missing directory.
 */
export async function confFiles(dir: string, extensions: readonly string[]): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .filter((e) => !e.isDirectory() && extensions.includes(extname(e.name)))
    .map((e) => join(dir, e.name))
    .sort();
}

async function readConf(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new ConfError(`error reading ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The plugin objects of `<dir>/<network>/*.conf`, which libcni appends to a list unless it
 * sets `loadOnlyInlinedPlugins`.
 * @throws ConfError
 */
export async function pluginConfsFromDir(dir: string, network: string): Promise<PluginConf[]> {
  const sub = join(dir, network);
  let files: string[];
  try {
    files = await confFiles(sub, ['.conf']);
  } catch (e) {
    throw new ConfError(`failed to read plugin config files in ${sub}: ${(e as Error).message}`, { cause: e });
  }
  const out: PluginConf[] = [];
  for (const file of files) {
    try {
      out.push(pluginConfFromBytes(await readConf(file)));
    } catch (e) {
      throw e instanceof ConfError && e.file ? e : new ConfError((e as Error).message, { file, cause: e });
    }
  }
  return out;
}

/**
 * Loads a list from a file (libcni NetworkConfFromFile): parses it, then appends the
 * directory plugins unless `loadOnlyInlinedPlugins`.
 * @throws ConfError, including "no plugin configs found" when the list ends up empty.
 */
export async function networkConfFromFile(file: string): Promise<NetworkConfigList> {
  const bytes = await readConf(file);
  let list: NetworkConfigList;
  try {
    list = networkConfFromBytes(bytes);
  } catch (e) {
    throw new ConfError((e as Error).message, { file, cause: e });
  }
  const extra = list.loadOnlyInlinedPlugins ? [] : await pluginConfsFromDir(join(file, '..'), list.name);
  const plugins = [...list.plugins, ...extra];
  if (plugins.length === 0) throw new ConfError('no plugin configs found', { file });
  return { ...list, plugins, file };
}

/**
 * Loads a legacy single-plugin file (`.conf` / `.json`).
 * @throws ConfError
 */
export async function networkConfigFromFile(file: string): Promise<NetworkConfig> {
  const bytes = await readConf(file);
  try {
    return { ...networkConfigFromBytes(bytes), file };
  } catch (e) {
    throw new ConfError((e as Error).message, { file, cause: e });
  }
}

/**
 * Finds a network by name in a directory, as libcni's LoadNetworkConf: `.conflist` files
 * first (sorted; any parse error aborts), then legacy `.conf`/`.json` files (sorted),
 * up-converted to a list of one.
 * @throws NetworkNotFoundError, NoConfigsFoundError, ConfError
 */
export async function loadNetworkConf(dir: string, name: string): Promise<NetworkConfigList> {
  const lists = await confFiles(dir, ['.conflist']);
  for (const file of lists) {
    const list = await networkConfFromFile(file);
    if (list.name === name) return list;
  }
  const singles = await confFiles(dir, ['.conf', '.json']);
  if (singles.length === 0) {
    if (lists.length > 0) throw new NetworkNotFoundError(dir, name);
    throw new NoConfigsFoundError(dir);
  }
  for (const file of singles) {
    const net = await networkConfigFromFile(file);
    if (net.name === name) return { ...confListFromConf(net), file };
  }
  throw new NetworkNotFoundError(dir, name);
}

/** One configuration file found in a directory, parsed or not. */
export interface FoundNetwork {
  readonly file: string;
  /** The parsed list (legacy files up-converted); absent when the file is broken. */
  readonly list?: NetworkConfigList;
  /** Why the file could not be used. */
  readonly error?: Error;
}

/**
 * Every network configuration in a directory, in the order loadNetworkConf considers them,
 * with broken files reported instead of aborting (for listing tools).
 */
export async function listNetworkConfs(dir: string): Promise<FoundNetwork[]> {
  const out: FoundNetwork[] = [];
  for (const file of await confFiles(dir, ['.conflist'])) {
    try {
      out.push({ file, list: await networkConfFromFile(file) });
    } catch (e) {
      out.push({ file, error: e as Error });
    }
  }
  for (const file of await confFiles(dir, ['.conf', '.json'])) {
    try {
      out.push({ file, list: { ...confListFromConf(await networkConfigFromFile(file)), file } });
    } catch (e) {
      out.push({ file, error: e as Error });
    }
  }
  return out;
}
