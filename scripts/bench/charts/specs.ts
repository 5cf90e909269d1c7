/**
 * The bench's charts as Vega-Lite specs, built from a results file (.bench/results.json) and
 * nothing else: no I/O, no rendering (render.ts does that), so a test can check each chart's
 * data rows and encodings. A chart whose group was not measured in that run (`--only`,
 * `--growth 0`) is left out rather than drawn empty.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { PodsRun } from '../workers.ts';

/** The parts of a results file the charts read (scripts/bench/driver.ts writes the whole). */
export interface BenchResults {
  readonly date?: string;
  readonly goPlugins?: string | null;
  readonly machine?: { readonly cpus?: number; readonly loadavgBefore?: readonly number[]; readonly loadavgAfter?: readonly number[] };
  readonly options?: { readonly runs?: number; readonly pods?: number; readonly reps?: number; readonly growth?: number; readonly quick?: boolean };
  readonly rows?: readonly ResultRow[];
  readonly growth?: { readonly pods: number; readonly sides: Readonly<Record<string, { readonly addMs: readonly (number | null)[] }>> };
  readonly workers?: {
    readonly runs: readonly Pick<PodsRun, 'side' | 'workers' | 'rep' | 'pods' | 'addWallMs' | 'delWallMs' | 'addFailures' | 'delFailures'>[];
  };
}

export interface ResultRow {
  readonly group: string;
  readonly workload: string;
  readonly unit?: string;
  readonly cells: Readonly<Record<string, { readonly median: number | null; readonly n?: number; readonly failures?: number }>>;
}

/** One chart: the file name it is written under (without .svg) and its spec. */
export interface Chart {
  readonly name: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

/**
 * Legends above the plot, one side per line: without a canvas Vega estimates text widths
 * generously, and a horizontal legend of two long labels made the SVG far wider than its plot.
 */
const LEGEND = { orient: 'top', direction: 'vertical', labelLimit: 400 } as const;

/** The order sides are drawn and listed in: ours first, then Go, then anything else. */
const SIDE_ORDER = ['ours', 'go'];

/** The label a side has in legends; Go's carries the version of the Debian package measured. */
export function sideLabel(side: string, results: BenchResults): string {
  if (side === 'ours') return 'ours (TypeScript, Bun-compiled)';
  if (side === 'go') return `Go (containernetworking-plugins${results.goPlugins ? ` ${results.goPlugins}` : ''})`;
  return side;
}

function sidesOf(results: BenchResults, present: Iterable<string>): string[] {
  const names = [...new Set(present)];
  const rank = (s: string) => (SIDE_ORDER.includes(s) ? SIDE_ORDER.indexOf(s) : SIDE_ORDER.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((s) => sideLabel(s, results));
}

/** "7 Dec 2026, load 1.4 → 2.0, 2 CPUs": when and under what load the figures were taken. */
export function runCaption(results: BenchResults): string {
  const parts: string[] = [];
  if (results.date) parts.push(results.date.slice(0, 16).replace('T', ' ') + ' UTC');
  const before = results.machine?.loadavgBefore?.[0];
  const after = results.machine?.loadavgAfter?.[0];
  if (before !== undefined) parts.push(`load average ${before}${after !== undefined ? ` → ${after}` : ''}`);
  if (results.machine?.cpus) parts.push(`${results.machine.cpus} CPUs`);
  return parts.join(', ');
}

// ---- (a) pod ADD latency against the pods already on the node (the growth workload) ----

export interface GrowthPoint {
  readonly side: string;
  /** Pods on the node before this ADD (pod #i finds i - 1). */
  readonly podsOnNode: number;
  readonly addMs: number;
}

/** One point per successful ADD of the growth workload, per side (failed ADDs are null and left out). */
export function growthPoints(results: BenchResults): GrowthPoint[] {
  const out: GrowthPoint[] = [];
  const sides = results.growth?.sides ?? {};
  for (const name of Object.keys(sides)) {
    const label = sideLabel(name, results);
    sides[name]?.addMs.forEach((ms, i) => {
      if (ms !== null && Number.isFinite(ms)) out.push({ side: label, podsOnNode: i, addMs: ms });
    });
  }
  return out;
}

/** How many pods the rolling median spans: a tenth of the run, at least 5. */
export function rollingWindow(pods: number): number {
  return Math.max(5, Math.round(pods / 10));
}

function growthChart(results: BenchResults): Chart | undefined {
  const values = growthPoints(results);
  if (values.length === 0) return undefined;
  const pods = results.growth?.pods ?? values.length;
  const window = rollingWindow(pods);
  const domain = sidesOf(results, Object.keys(results.growth?.sides ?? {}));
  const title = 'Pod ADD latency against the pods already on the node';
  // the legend's symbols at full opacity: the dots' faintness made them hard to tell apart
  const color = { field: 'side', type: 'nominal', title: null, scale: { domain }, legend: { ...LEGEND, symbolOpacity: 1 } } as const;
  const x = { field: 'podsOnNode', type: 'quantitative', title: 'pods already on the node', scale: { nice: false } } as const;
  return {
    name: 'pod-add-vs-pods-on-node',
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: title, subtitle: [`${pods} pods added one after another, each: lo, then [bridge, portmap]`, `dots: each ADD; line: rolling median of ${window} pods`, runCaption(results)] },
      width: 640,
      height: 320,
      data: { values: values as unknown as Record<string, unknown>[] },
      layer: [
        // aria: false: no description per dot (500 per side), which would triple the SVG's size
        { mark: { type: 'point', filled: true, size: 10, opacity: 0.35, aria: false }, encoding: { x, y: { field: 'addMs', type: 'quantitative', title: 'pod ADD, ms' }, color } },
        {
          transform: [{ window: [{ op: 'median', field: 'addMs', as: 'rollingMs' }], frame: [-Math.floor(window / 2), Math.floor(window / 2)], groupby: ['side'], sort: [{ field: 'podsOnNode' }] }],
          mark: { type: 'line', strokeWidth: 2.5 },
          encoding: { x, y: { field: 'rollingMs', type: 'quantitative' }, color },
        },
      ],
    },
  };
}

// ---- (b) per plugin, ADD and DEL, ours next to Go ----

export interface PluginBar {
  /** The workload's label, e.g. "bridge + host-local". */
  readonly plugin: string;
  readonly verb: 'ADD' | 'DEL';
  readonly side: string;
  readonly ms: number;
}

const PLUGIN_ROW = /^(?<label>\S.*) (?<verb>ADD|DEL)$/;

/** The median ADD and DEL exec of each per-plugin workload (not the start/work split rows), per side. */
export function pluginBars(results: BenchResults): PluginBar[] {
  const out: PluginBar[] = [];
  for (const row of results.rows ?? []) {
    if (row.group !== 'plugins') continue;
    const m = PLUGIN_ROW.exec(row.workload);
    if (!m?.groups) continue;
    for (const [side, c] of Object.entries(row.cells)) {
      if (c.median === null) continue;
      out.push({ plugin: m.groups.label as string, verb: m.groups.verb as 'ADD' | 'DEL', side: sideLabel(side, results), ms: c.median });
    }
  }
  return out;
}

function pluginChart(results: BenchResults): Chart | undefined {
  const values = pluginBars(results);
  if (values.length === 0) return undefined;
  const order = [...new Set(values.map((v) => v.plugin))];
  const domain = sidesOf(results, (results.rows ?? []).filter((r) => r.group === 'plugins').flatMap((r) => Object.keys(r.cells)));
  const runs = results.options?.runs;
  const title = 'Per plugin: ADD and DEL exec, ours next to Go (medians)';
  return {
    name: 'plugin-add-del',
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: title,
        subtitle: [
          `each exec timed through the runtime library${runs ? `, ${runs} interleaved rounds` : ''}`,
          'portmap, tuning, firewall, bandwidth: after bridge, their exec only',
          runCaption(results),
        ],
      },
      data: { values: values as unknown as Record<string, unknown>[] },
      facet: { column: { field: 'verb', type: 'nominal', title: null, sort: ['ADD', 'DEL'], header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
      spec: {
        width: 300,
        height: { step: 11 },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'plugin', type: 'nominal', sort: order, title: null, axis: { labelLimit: 300 } },
          yOffset: { field: 'side', type: 'nominal', scale: { domain } },
          x: { field: 'ms', type: 'quantitative', title: 'median exec, ms' },
          color: { field: 'side', type: 'nominal', title: null, scale: { domain }, legend: LEGEND },
          tooltip: [{ field: 'plugin' }, { field: 'side' }, { field: 'ms', format: '.1f' }],
        },
      },
      resolve: { scale: { x: 'shared' } },
    },
  };
}

// ---- (c) many pods: throughput by number of workers ----

export interface WorkersBar {
  readonly workers: number;
  readonly verb: 'ADD' | 'DEL';
  readonly side: string;
  readonly msPerPod: number;
  /** 1000 / msPerPod: pods the node gets through per second. */
  readonly podsPerSecond: number;
}

const WORKERS_ROW = /^(?<pods>\d+) pods, (?<workers>\d+) worker\(s\): (?<verb>ADD|DEL) ms\/pod/;

/** The workers workload's wall-time figures (median over the repetitions of wall / pods), as pods per second. */
export function workersBars(results: BenchResults): WorkersBar[] {
  const out: WorkersBar[] = [];
  for (const row of results.rows ?? []) {
    if (row.group !== 'workers') continue;
    const m = WORKERS_ROW.exec(row.workload);
    if (!m?.groups) continue;
    for (const [side, c] of Object.entries(row.cells)) {
      if (c.median === null || !(c.median > 0)) continue;
      out.push({
        workers: Number(m.groups.workers),
        verb: m.groups.verb as 'ADD' | 'DEL',
        side: sideLabel(side, results),
        msPerPod: c.median,
        podsPerSecond: Math.round((1000 / c.median) * 100) / 100,
      });
    }
  }
  return out;
}

/** One repetition of the workers workload, as pods per second. */
export interface WorkersRun {
  readonly workers: number;
  readonly verb: 'ADD' | 'DEL';
  readonly side: string;
  readonly rep: number;
  readonly podsPerSecond: number;
}

/** Each repetition's pods per second (the bars are their medians), runs with failures left out as the medians leave them out. */
export function workersRuns(results: BenchResults): WorkersRun[] {
  const out: WorkersRun[] = [];
  for (const r of results.workers?.runs ?? []) {
    for (const [verb, wall, failures] of [
      ['ADD', r.addWallMs, r.addFailures],
      ['DEL', r.delWallMs, r.delFailures],
    ] as const) {
      if (failures > 0 || !(wall > 0)) continue;
      out.push({ workers: r.workers, verb, side: sideLabel(r.side, results), rep: r.rep, podsPerSecond: Math.round(((r.pods * 1000) / wall) * 100) / 100 });
    }
  }
  return out;
}

function workersChart(results: BenchResults): Chart | undefined {
  const bars = workersBars(results);
  if (bars.length === 0) return undefined;
  // one data set for both layers (a facet needs its data at the top), told apart by `kind`
  const values = [...bars.map((b) => ({ kind: 'median', ...b })), ...workersRuns(results).map((r) => ({ kind: 'run', ...r }))];
  const first = (results.rows ?? []).find((r) => r.group === 'workers' && WORKERS_ROW.test(r.workload));
  const pods = first ? Number(WORKERS_ROW.exec(first.workload)?.groups?.pods) : results.options?.pods;
  const reps = results.options?.reps;
  const domain = sidesOf(results, (results.rows ?? []).filter((r) => r.group === 'workers').flatMap((r) => Object.keys(r.cells)));
  const title = `${pods} pods: throughput by number of workers (ADD all, then DEL all)`;
  return {
    name: 'pods-throughput-by-workers',
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: title,
        subtitle: [`pods per second = 1000 / (wall time / pods); higher is better`, `bars: median${reps ? ` of ${reps} runs` : ''}; dots: each run`, runCaption(results)],
      },
      data: { values },
      facet: { column: { field: 'verb', type: 'nominal', title: null, sort: ['ADD', 'DEL'], header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
      spec: {
        width: { step: 70 },
        height: 260,
        encoding: {
          x: { field: 'workers', type: 'ordinal', title: 'workers', axis: { labelAngle: 0 } },
          xOffset: { field: 'side', type: 'nominal', scale: { domain } },
          y: { field: 'podsPerSecond', type: 'quantitative', title: 'pods per second' },
        },
        layer: [
          {
            transform: [{ filter: "datum.kind === 'median'" }],
            mark: { type: 'bar' },
            encoding: {
              color: { field: 'side', type: 'nominal', title: null, scale: { domain }, legend: LEGEND },
              tooltip: [{ field: 'workers' }, { field: 'side' }, { field: 'podsPerSecond', format: '.2f' }, { field: 'msPerPod', format: '.1f' }],
            },
          },
          {
            transform: [{ filter: "datum.kind === 'run'" }],
            mark: { type: 'point', filled: true, size: 22, color: '#222', opacity: 0.8 },
          },
        ],
      },
      resolve: { scale: { y: 'shared' } },
    },
  };
}

/** Every chart the results have data for, in the README's order. */
export function buildCharts(results: BenchResults): Chart[] {
  return [growthChart(results), pluginChart(results), workersChart(results)].filter((c): c is Chart => c !== undefined);
}
