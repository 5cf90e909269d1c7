/**
 * The bench driver: ONE long-lived Node process that drives both sides through our runtime
 * library in process, as a CRI runtime would (scripts/bench.mjs prepares the namespaces,
 * bundles this file with esbuild into .bench/driver.cjs and runs it). The plugins it drives are
 * executables on both sides: ours the Bun-compiled dist/bin/cni-ts through its links, Go's
 * /usr/lib/cni. Each side's plugin execs are born in that side's node namespace; this process
 * stays where it was started.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { PLUGINS, coldStart } from './cold.ts';
import type { BenchConfig, BenchContext } from './context.ts';
import { type GrowthSide, growth } from './growth.ts';
import type { Row } from './measure.ts';
import { onePod } from './one-pod.ts';
import { perPlugin, workloadOf } from './plugins.ts';
import { type Target, findRow, formatRow, formatTargets, target } from './report.ts';
import { RSS_PLUGINS, peakRss } from './rss.ts';
import { PodNamespaces, Side } from './side.ts';
import { formatFit } from './stats.ts';

/** The plugins issue 15 added, whose ADD/DEL ratios are held to bridge's. */
const CHAINED_PLUGINS = ['ptp', 'static', 'tuning', 'firewall', 'bandwidth'] as const;
import { size } from './size.ts';
import { manyPods } from './workers.ts';

interface Group {
  readonly name: string;
  readonly title: string;
  readonly run: (ctx: BenchContext) => Promise<void>;
}

const GROUPS: readonly Group[] = [
  { name: 'size', title: 'Size on disk (regular files)', run: size },
  { name: 'cold', title: 'Cold start: VERSION of each executable (spawnSync, PATH only)', run: coldStart },
  { name: 'plugins', title: 'Per plugin, through the runtime library, exec timed; each exec split into start (VERSION) and work', run: perPlugin },
  { name: 'pod', title: 'One pod as a CRI runtime sets it up (lo network, then [bridge, portmap], 1 port mapping)', run: onePod },
  { name: 'rss', title: 'Peak RSS of each plugin process (/usr/bin/time %M)', run: peakRss },
  { name: 'workers', title: 'Many pods with 1, 2 and 8 workers (ADD all, then DEL all)', run: manyPods },
  { name: 'growth', title: 'Growth (pods added one after another)', run: growth },
];

async function main(): Promise<number> {
  const config = JSON.parse(process.env.CNI_TS_BENCH_CONFIG ?? '{}') as BenchConfig;
  const started = new Date();
  const loadBefore = loadavg();
  const sides = [
    new Side({ name: 'ours', pluginDir: config.pluginDirs.ours, nodeNs: config.nodes.ours }, config.id, config.state),
    new Side({ name: 'go', pluginDir: config.pluginDirs.go, nodeNs: config.nodes.go }, config.id, config.state),
  ];
  const pods = new PodNamespaces();
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  let lastNote: string | undefined;
  const ctx: BenchContext = {
    config,
    sides,
    pods,
    rows,
    details,
    addRow(row) {
      rows.push(row);
      console.log(formatRow(row));
      if (row.note && row.note !== lastNote) console.log(`      note: ${row.note}`);
      lastNote = row.note;
    },
    progress(line) {
      console.log(`  · ${line}`);
    },
  };
  const write = (extra: Record<string, unknown>) => {
    mkdirSync(dirname(config.out), { recursive: true });
    const json = {
      date: started.toISOString(),
      node: process.version,
      bun: bunVersion(config.root),
      goPlugins: goVersion(),
      machine: { cpus: cpus().length, loadavgBefore: loadBefore.map((x) => Number(x.toFixed(2))), loadavgAfter: loadavg().map((x) => Number(x.toFixed(2))) },
      options: { runs: config.runs, warmup: config.warmup, pods: config.pods, reps: config.reps, workers: config.workers, growth: config.growth, rssRuns: config.rssRuns, only: config.only ?? null, pluginFilter: config.pluginFilter ?? null, quick: config.quick },
      rows,
      ...details,
      ...extra,
    };
    writeFileSync(config.out, `${JSON.stringify(json, null, 1)}\n`);
  };
  try {
    for (const g of GROUPS) {
      if (config.only !== undefined && config.only !== g.name) continue;
      if (g.name === 'growth' && config.growth <= 0) continue;
      const t0 = performance.now();
      console.log(`\n${g.title}`);
      await g.run(ctx);
      console.log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      write({ partial: true });
    }
  } finally {
    pods.deleteAll();
    for (const s of sides) s.close();
  }
  const targets = summarise(ctx);
  console.log('\nThe issue\'s targets');
  console.log(formatTargets(targets));
  const problems = problemsOf(ctx);
  for (const p of problems) console.log(`  ! ${p}`);
  write({ targets, problems });
  const load = loadavg();
  console.log(`\nload average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${load.map((x) => x.toFixed(2)).join(' ')} after; written to ${config.out}`);
  return problems.length > 0 ? 3 : 0;
}

/** The issue's targets, from the rows and details of this run: ratios ours / Go of medians. */
function summarise(ctx: BenchContext): Target[] {
  const { rows, details, config } = ctx;
  const out: Target[] = [];
  const broken = (r: Row | undefined) => r !== undefined && Object.values(r.cells).some((c) => c.failures > 0);
  const ratio = (name: string, max: number, r: Row | undefined, detail?: string) => target(name, max, r?.ratio, 'x', detail, broken(r));

  const podAdd = findRow(rows, 'pod', 'pod ADD (library');
  out.push(ratio('pod ADD on an empty node (lo, then [bridge, portmap]), ours / Go', 0.8, podAdd));
  const podDel = findRow(rows, 'pod', 'pod DEL (library');
  out.push(ratio('pod DEL, ours / Go', 0.5, podDel));

  const pluginRow = (plugin: string, verb: string) => findRow(rows, 'plugins', `${workloadOf(plugin) ?? plugin} ${verb}`);
  for (const [plugin, max] of [
    ['bridge', 0.9],
    ['portmap', 0.7],
    ['loopback', 2.5],
  ] as const) {
    const label = workloadOf(plugin) ?? plugin;
    out.push(ratio(`${plugin} ADD${label === plugin ? '' : ` (${label})`}, ours / Go`, max, pluginRow(plugin, 'ADD')));
  }
  // issue 15: the plugins real configs chain after bridge, each no slower against Go than bridge is
  for (const verb of ['ADD', 'DEL'] as const) {
    const bridgeRatio = pluginRow('bridge', verb)?.ratio;
    if (bridgeRatio === undefined || bridgeRatio === null) continue;
    for (const plugin of CHAINED_PLUGINS) {
      const r = pluginRow(plugin, verb);
      if (r === undefined) continue;
      out.push(ratio(`${plugin} ${verb} (${workloadOf(plugin)}), ours / Go, at most bridge's`, Math.round(bridgeRatio * 1000) / 1000, r));
    }
  }
  for (const p of PLUGINS) {
    // the cold group's VERSION (spawnSync); without it, the plugins group's VERSION exec
    const cold = findRow(rows, 'cold', `${p} VERSION`);
    const r = cold ?? pluginRow(p, 'VERSION');
    out.push(ratio(`${p} VERSION, ours / Go`, 1.0, r, r !== undefined && cold === undefined ? 'exec through the runtime library (plugins group)' : undefined));
  }

  for (const [verb, max] of [
    ['ADD', 0.8],
    ['DEL', 0.5],
  ] as const) {
    const r = findRow(rows, 'workers', `${config.pods} pods, 1 worker(s): ${verb} ms/pod`);
    out.push(ratio(`${config.pods} pods one after another, ${verb} ms/pod, ours / Go`, max, r));
  }
  for (const verb of ['ADD', 'DEL']) {
    const r = findRow(rows, 'workers', `${config.pods} pods, 8 worker(s): ${verb} ms/pod`);
    out.push(ratio(`${config.pods} pods, 8 workers, ${verb} ms/pod, ours / Go`, 0.6, r));
  }

  const growthDetails = details.growth as { pods: number; sides: Record<string, GrowthSide> } | undefined;
  const g = growthDetails?.sides.ours;
  const gPods = growthDetails?.pods ?? config.growth;
  const fit = g?.addFit;
  const fitted = fit === undefined ? undefined : (fit.a + fit.b * gPods) / (fit.a + fit.b);
  out.push(
    target(
      `ours: ADD with ${gPods} pods on the node / one-pod ADD (fit)`,
      1.1,
      fitted,
      'x',
      g && fit ? `fit ${formatFit(fit)} at i = ${gPods} over i = 1; medians of the last / first 10 pods: ${g.growthRatio.toFixed(2)}×` : undefined,
      (g?.failures ?? 0) > 0,
    ),
  );

  for (const p of RSS_PLUGINS) {
    const r = findRow(rows, 'rss', `${p} ADD peak RSS`);
    out.push(target(`peak RSS of our ${p} process (ADD, max of the rounds)`, 32, r?.cells.ours?.max, 'MB', undefined, (r?.cells.ours?.failures ?? 0) > 0));
  }
  return out;
}

/** Failures of our side, any unexpected failure of Go's, and unclean nodes. */
function problemsOf(ctx: BenchContext): string[] {
  const problems: string[] = [];
  for (const r of ctx.rows) {
    for (const [label, c] of Object.entries(r.cells)) {
      if (c.failures === 0) continue;
      const knownGo = label === 'go' && r.workload.startsWith('portmap') && r.workload.endsWith('CHECK');
      if (!knownGo) problems.push(`${r.workload}: ${label} failed ${c.failures} times: ${(c.firstError ?? '').slice(0, 300)}`);
    }
  }
  const w = ctx.details.workers as { failures: number; duplicateIps: number; uncleanRuns: number } | undefined;
  if (w && (w.duplicateIps > 0 || w.uncleanRuns > 0)) problems.push(`workers: ${w.duplicateIps} duplicate IPs, ${w.uncleanRuns} unclean runs`);
  const g = ctx.details.growth as { sides: Record<string, GrowthSide> } | undefined;
  for (const [name, s] of Object.entries(g?.sides ?? {})) {
    if (s.failures > 0 || s.duplicateIps > 0 || !s.after.clean) {
      problems.push(`growth ${name}: ${s.failures} failures, ${s.duplicateIps} duplicate IPs, node ${s.after.clean ? 'clean' : 'NOT clean'}`);
    }
  }
  return problems;
}

/** The Bun version that compiles dist/bin: the exact version package.json pins (scripts/bun.mjs). */
function bunVersion(root: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
    return pkg.devDependencies?.bun ?? null;
  } catch {
    return null;
  }
}

function goVersion(): string | null {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'containernetworking-plugins'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
