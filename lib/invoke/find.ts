import { statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { pluginTypeProblem } from '../cni/index.ts';
import { PluginNotFoundError } from './errors.ts';

/**
 * Finds a plugin executable by type, as libcni's FindInPath does: the first `dir/type` that
 * is a regular file, trying the directories in order. The type must be a bare name so a
 * config can never point the runtime at an arbitrary file. Synchronous: one stat per directory
 * is cheaper than a thread-pool round trip on a plugin's hot path (delegation).
 * @throws PluginNotFoundError for an empty type, a type containing a path separator or anything
 *   else a plugin name cannot hold (see pluginTypeProblem), an empty
 *   path list, or when no directory holds the plugin.
 */
export function findInPath(type: string, paths: readonly string[]): string {
  if (type === '') throw new PluginNotFoundError(type, paths, 'no plugin name provided');
  if (type.includes(sep) || type.includes('/')) {
    throw new PluginNotFoundError(type, paths, `invalid plugin name "${type}": it must not contain a path separator`);
  }
  const problem = pluginTypeProblem(type);
  if (problem) throw new PluginNotFoundError(type, paths, `invalid plugin name ${JSON.stringify(type)}: ${problem}`);
  if (paths.length === 0) throw new PluginNotFoundError(type, paths, 'no paths provided');
  for (const dir of paths) {
    const candidate = join(dir, type);
    try {
      if (statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
    } catch {
      // unreadable (EACCES, ENOTDIR): try the next directory
    }
  }
  throw new PluginNotFoundError(type, paths, `failed to find plugin "${type}" in path [${paths.join(' ')}]`);
}

/** Splits a CNI_PATH value on ":" and drops empty entries (an empty entry would mean the cwd). */
export function splitCniPath(raw: string | undefined): string[] {
  return (raw ?? '').split(':').filter((p) => p !== '');
}
