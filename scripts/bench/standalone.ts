/**
 * The standalone build (npm run build:standalone: one Node 24 single executable with a link
 * per plugin) next to dist/bin and Go: its size, VERSION, and a loopback ADD.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './context.ts';
import { Samples, interleave, makeRow } from './measure.ts';
import { baseEnv, isVersionAnswer, runSync } from './spawn-sync.ts';

export async function standalone(ctx: BenchContext): Promise<void> {
  const { config, sides } = ctx;
  const dir = config.standaloneDir;
  if (!dir) {
    ctx.progress('standalone skipped: no standalone build (npm run build:standalone, or npm run bench -- --standalone)');
    return;
  }
  ctx.pods.ensure(sides, 1);
  const ours = sides[0];
  if (!ours) return;
  const netns = ours.podPath(1);
  const dirs: Record<string, string> = { standalone: dir, 'dist/bin': config.pluginDirs.ours, go: config.pluginDirs.go };
  const samples = new Samples();
  const contenders = Object.entries(dirs).flatMap(([label, d]) => [
    (s: Samples) => {
      const r = runSync([join(d, 'loopback')], baseEnv({ CNI_COMMAND: 'VERSION' }), '{"cniVersion":"1.0.0"}');
      if (r.status === 0 && isVersionAnswer(r.stdout)) s.add(`${label} VERSION`, r.ms);
      else s.fail(`${label} VERSION`, `exit ${r.status}: ${(r.stdout || r.stderr).slice(0, 300)}`);
    },
    (s: Samples, round: number) => {
      const conf = JSON.stringify({ cniVersion: '1.0.0', name: 'benchsa', type: 'loopback' });
      const env = (command: string) =>
        baseEnv({ CNI_COMMAND: command, CNI_CONTAINERID: `sa${round}`, CNI_NETNS: netns, CNI_IFNAME: 'lo', CNI_PATH: d });
      const add = runSync([join(d, 'loopback')], env('ADD'), conf);
      runSync([join(d, 'loopback')], env('DEL'), conf);
      if (add.status === 0) s.add(`${label} ADD`, add.ms);
      else s.fail(`${label} ADD`, `exit ${add.status}: ${(add.stdout || add.stderr).slice(0, 300)}`);
    },
  ]);
  await interleave(config.runs, config.warmup, contenders, samples);
  for (const what of ['VERSION', 'ADD']) {
    const row = makeRow('standalone', `loopback ${what}: standalone, dist/bin, Go`, samples, {
      standalone: `standalone ${what}`,
      'dist/bin': `dist/bin ${what}`,
      go: `go ${what}`,
    });
    ctx.addRow(row);
  }
  const exe = statSync(join(dir, 'loopback')).size; // follows the link to the one executable
  const distBytes = treeBytes(config.pluginDirs.ours);
  ctx.details.standalone = { dir, executableBytes: exe, distBinBytes: distBytes };
  ctx.progress(`standalone: ${(exe / 1e6).toFixed(1)} MB executable (Node included) vs dist/bin ${(distBytes / 1e6).toFixed(2)} MB (needs Node installed)`);
}

/** Bytes of every file under a directory. */
function treeBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? treeBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}
