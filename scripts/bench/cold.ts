/**
 * Cold start: `node -e 0` (the floor of any Node program), `/bin/true`, and each of our
 * executables answering VERSION with Node started (`node dist/bin/<plugin>`, so the sh fast
 * path is bypassed). The target: each within 1.2x of `node -e 0`.
 */
import { join } from 'node:path';
import type { BenchContext } from './context.ts';
import { Samples, interleave, makeRow } from './measure.ts';
import { baseEnv, isVersionAnswer, runSync } from './spawn-sync.ts';

export const PLUGINS = ['loopback', 'host-local', 'bridge', 'portmap'] as const;

export async function coldStart(ctx: BenchContext): Promise<void> {
  const { config } = ctx;
  const samples = new Samples();
  const node = process.execPath;
  const contenders = [
    (s: Samples) => {
      const r = runSync([node, '-e', '0'], baseEnv());
      if (r.status === 0) s.add('node -e 0', r.ms);
      else s.fail('node -e 0', r.stderr);
    },
    (s: Samples) => {
      const r = runSync(['/bin/true'], baseEnv());
      if (r.status === 0) s.add('/bin/true', r.ms);
      else s.fail('/bin/true', r.stderr);
    },
    ...PLUGINS.map((p) => (s: Samples) => {
      const r = runSync([node, join(config.pluginDirs.ours, p)], baseEnv({ CNI_COMMAND: 'VERSION' }), '{"cniVersion":"1.0.0"}');
      if (r.status === 0 && isVersionAnswer(r.stdout)) s.add(`node ${p}`, r.ms);
      else s.fail(`node ${p}`, `exit ${r.status}: ${(r.stdout || r.stderr).slice(0, 300)}`);
    }),
  ];
  await interleave(config.runs, config.warmup, contenders, samples);
  ctx.addRow(makeRow('cold', 'node -e 0 / /bin/true (floors)', samples, { 'node -e 0': 'node -e 0', '/bin/true': '/bin/true' }));
  for (const p of PLUGINS) {
    ctx.addRow(
      makeRow('cold', `${p} VERSION with Node started / node -e 0`, samples, { ours: `node ${p}`, 'node -e 0': 'node -e 0' }, {
        note: 'node dist/bin/<plugin>, CNI_COMMAND=VERSION (no sh fast path)',
      }),
    );
  }
}
