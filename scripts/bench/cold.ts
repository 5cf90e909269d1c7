/**
 * Cold start: each of our executables answering VERSION (dist/bin/<plugin>, a link to the one
 * Bun-compiled binary, so the whole process start up to the handler: loading the binary, the
 * runtime, the program's bytecode) next to the Go plugin's VERSION (/usr/lib/cni/<plugin>),
 * interleaved, by spawnSync with PATH only; `/bin/true` as the floor of a process start from
 * this driver. The target: each within 1.0x of Go.
 */
import { join } from 'node:path';
import type { BenchContext } from './context.ts';
import { type Contender, Samples, interleave, makeRow } from './measure.ts';
import { baseEnv, isVersionAnswer, runSync } from './spawn-sync.ts';

export const PLUGINS = ['loopback', 'host-local', 'bridge', 'portmap'] as const;

export async function coldStart(ctx: BenchContext): Promise<void> {
  const { config, sides } = ctx;
  const samples = new Samples();
  const version = (key: string, exe: string): Contender => (s: Samples) => {
    const r = runSync([exe], baseEnv({ CNI_COMMAND: 'VERSION' }), '{"cniVersion":"1.0.0"}');
    if (r.status === 0 && isVersionAnswer(r.stdout)) s.add(key, r.ms);
    else s.fail(key, `exit ${r.status}: ${(r.stdout || r.stderr).slice(0, 300)}`);
  };
  const contenders: Contender[] = [
    (s: Samples) => {
      const r = runSync(['/bin/true'], baseEnv());
      if (r.status === 0) s.add('/bin/true', r.ms);
      else s.fail('/bin/true', r.stderr);
    },
    ...PLUGINS.flatMap((p) => sides.map((side) => version(`${side.name} ${p}`, join(side.pluginDir, p)))),
  ];
  await interleave(config.runs, config.warmup, contenders, samples);
  ctx.addRow(makeRow('cold', '/bin/true (floor of a process start)', samples, { '/bin/true': '/bin/true' }));
  for (const p of PLUGINS) {
    ctx.addRow(
      makeRow('cold', `${p} VERSION`, samples, { ours: `ours ${p}`, go: `go ${p}` }, {
        note: 'dist/bin/<plugin> (the sh front of cni-ts, which answers VERSION itself) and /usr/lib/cni/<plugin>, CNI_COMMAND=VERSION, spawnSync, PATH only',
      }),
    );
  }
}
