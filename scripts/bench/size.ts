/**
 * Size on disk: the sum of the sizes of the regular files of our snapshot of dist/bin (the one
 * executable; the links per program are not counted), next to the four Go plugins of
 * /usr/lib/cni (bridge, host-local, loopback, portmap) and to all of /usr/lib/cni.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGINS } from './cold.ts';
import type { BenchContext } from './context.ts';
import { type Cell, rowOf } from './measure.ts';
import { round3 } from './stats.ts';

/** Regular files under a directory (recursively; links and other types not counted). */
export interface DirSize {
  readonly dir: string;
  readonly bytes: number;
  /** Path relative to `dir` -> bytes. */
  readonly files: Readonly<Record<string, number>>;
}

export function regularFileBytes(dir: string, only?: readonly string[]): DirSize {
  const files: Record<string, number> = {};
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? join(rel, e.name) : e.name;
      if (e.isDirectory()) walk(path);
      else if (e.isFile() && (only === undefined || only.includes(path))) files[path] = lstatSync(join(dir, path)).size;
    }
  };
  walk('');
  return { dir, bytes: Object.values(files).reduce((n, b) => n + b, 0), files };
}

export async function size(ctx: BenchContext): Promise<void> {
  const { config } = ctx;
  const ours = regularFileBytes(config.pluginDirs.ours);
  const goFour = regularFileBytes(config.pluginDirs.go, PLUGINS);
  const goAll = regularFileBytes(config.pluginDirs.go);
  const mb = (s: DirSize): Cell => ({ median: round3(s.bytes / 1e6), p95: null, min: null, max: null, n: 1, failures: 0 });
  const missing = PLUGINS.filter((p) => goFour.files[p] === undefined);
  ctx.addRow(
    rowOf('size', `dist/bin vs Go's ${PLUGINS.length} plugins (regular files)`, { ours: mb(ours), go: mb(goFour) }, {
      unit: 'MB',
      note: `ours: ${Object.keys(ours.files).join(', ')} (links not counted); Go: ${Object.keys(goFour.files).join(', ')}${missing.length ? `; missing: ${missing.join(', ')}` : ''}`,
    }),
  );
  ctx.addRow(
    rowOf('size', `dist/bin vs all of ${config.pluginDirs.go} (${Object.keys(goAll.files).length} files)`, { ours: mb(ours), go: mb(goAll) }, { unit: 'MB' }),
  );
  ctx.details.size = { ours: { ...ours, snapshotOf: join(config.root, 'dist', 'bin') }, goFourPlugins: goFour, goAll };
}
