import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCharts, renderSvg } from './render.ts';
import { type BenchResults, type ResultRow, buildCharts, growthPoints, pluginBars, rollingWindow, sideLabel, workersBars, workersRuns } from './specs.ts';

const cell = (median: number | null) => ({ median, p95: null, min: null, max: null, n: median === null ? 0 : 5, failures: median === null ? 5 : 0 });
const row = (group: string, workload: string, ours: number | null, go: number | null): ResultRow => ({ group, workload, unit: 'ms', cells: { ours: cell(ours), go: cell(go) } });

/** A small results file in the driver's shape: 3 plugin workloads, 2 worker counts, 12 pods of growth. */
const FIXTURE: BenchResults = {
  date: '2026-12-07T19:10:00.000Z',
  goPlugins: '1.1.1+ds1-3',
  machine: { cpus: 2, loadavgBefore: [1.25, 1, 1], loadavgAfter: [2.5, 2, 2] },
  options: { runs: 5, pods: 10, reps: 2, growth: 12, quick: true },
  rows: [
    row('cold', 'loopback VERSION', 27, 14),
    row('plugins', 'loopback VERSION', 30, 15),
    row('plugins', 'loopback ADD', 41.5, 17.5),
    row('plugins', 'loopback CHECK', 40, 16),
    row('plugins', 'loopback DEL', 40.25, 17),
    row('plugins', '  loopback ADD work (ADD - start)', 11.5, 2.5),
    row('plugins', 'bridge + host-local ADD', 60, 76),
    row('plugins', 'bridge + host-local DEL', 73, 74.5),
    // a side with no successful DEL: no bar, not a zero one
    row('plugins', 'portmap, 1 TCP mapping ADD', 54.5, 109),
    row('plugins', 'portmap, 1 TCP mapping DEL', 52, null),
    row('workers', '10 pods, 1 worker(s): ADD ms/pod (median of 2 reps)', 200, 250),
    row('workers', '10 pods, 1 worker(s): ADD pod latency (p50 / p95)', 190, 240),
    row('workers', '10 pods, 1 worker(s): DEL ms/pod (median of 2 reps)', 160, 200),
    row('workers', '10 pods, 8 worker(s): ADD ms/pod (median of 2 reps)', 125, 250),
    row('workers', '10 pods, 8 worker(s): DEL ms/pod (median of 2 reps)', 100, 160),
  ],
  workers: {
    runs: [
      { side: 'ours', workers: 8, rep: 1, pods: 10, addWallMs: 1000, delWallMs: 2000, addFailures: 0, delFailures: 0 },
      { side: 'ours', workers: 8, rep: 2, pods: 10, addWallMs: 1500, delWallMs: 800, addFailures: 0, delFailures: 0 },
      // a run with failed ADDs: its ADD wall time is no throughput, its DEL is
      { side: 'go', workers: 8, rep: 1, pods: 10, addWallMs: 900, delWallMs: 1600, addFailures: 2, delFailures: 0 },
    ],
  },
  growth: {
    pods: 12,
    sides: {
      ours: { addMs: [170, 171, 169, 172, null, 170, 171, 173, 170, 172, 171, 174] },
      go: { addMs: [220, 222, 225, 224, 226, 229, 228, 230, 231, 233, 232, 236] },
    },
  },
};

const OURS = sideLabel('ours', FIXTURE);
const GO = sideLabel('go', FIXTURE);

describe('chart specs', () => {
  it('labels the sides, Go with the package version measured', () => {
    expect(OURS).toMatch(/^ours/);
    expect(GO).toBe('Go (containernetworking-plugins 1.1.1+ds1-3)');
    expect(sideLabel('go', { ...FIXTURE, goPlugins: null })).toBe('Go (containernetworking-plugins)');
  });

  it('growth: one point per successful ADD, x = pods already on the node', () => {
    const points = growthPoints(FIXTURE);
    expect(points).toHaveLength(12 + 11);
    expect(points.filter((p) => p.side === OURS).map((p) => p.podsOnNode)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11]);
    expect(points.find((p) => p.side === GO && p.podsOnNode === 11)?.addMs).toBe(236);
    expect(points.find((p) => p.side === OURS && p.podsOnNode === 0)?.addMs).toBe(170);
  });

  it('plugins: median ADD and DEL per workload and side, no VERSION/CHECK/split rows, no bar for a side without a median', () => {
    const bars = pluginBars(FIXTURE);
    expect(bars).toContainEqual({ plugin: 'loopback', verb: 'ADD', side: OURS, ms: 41.5 });
    expect(bars).toContainEqual({ plugin: 'bridge + host-local', verb: 'DEL', side: GO, ms: 74.5 });
    expect(bars).toContainEqual({ plugin: 'portmap, 1 TCP mapping', verb: 'ADD', side: GO, ms: 109 });
    expect(bars.filter((b) => b.plugin === 'portmap, 1 TCP mapping' && b.verb === 'DEL')).toEqual([{ plugin: 'portmap, 1 TCP mapping', verb: 'DEL', side: OURS, ms: 52 }]);
    // 3 workloads x 2 verbs x 2 sides, less Go's portmap DEL
    expect(bars).toHaveLength(11);
    expect(bars.some((b) => b.plugin.includes('work'))).toBe(false);
  });

  it('workers: pods per second from the ms/pod rows only (not the latency rows)', () => {
    const bars = workersBars(FIXTURE);
    expect(bars).toHaveLength(8);
    expect(bars).toContainEqual({ workers: 8, verb: 'ADD', side: OURS, msPerPod: 125, podsPerSecond: 8 });
    expect(bars).toContainEqual({ workers: 1, verb: 'DEL', side: GO, msPerPod: 200, podsPerSecond: 5 });
    expect(bars.find((b) => b.workers === 1 && b.verb === 'ADD' && b.side === OURS)?.msPerPod).toBe(200);
  });

  it('workers: each repetition as pods per second, runs with failures left out of that verb', () => {
    expect(workersRuns(FIXTURE)).toEqual([
      { workers: 8, verb: 'ADD', side: OURS, rep: 1, podsPerSecond: 10 },
      { workers: 8, verb: 'DEL', side: OURS, rep: 1, podsPerSecond: 5 },
      { workers: 8, verb: 'ADD', side: OURS, rep: 2, podsPerSecond: 6.67 },
      { workers: 8, verb: 'DEL', side: OURS, rep: 2, podsPerSecond: 12.5 },
      { workers: 8, verb: 'DEL', side: GO, rep: 1, podsPerSecond: 6.25 },
    ]);
  });

  it('builds the three charts with their encodings, and carries the run and its load in the subtitle', () => {
    const charts = buildCharts(FIXTURE);
    expect(charts.map((c) => c.name)).toEqual(['pod-add-vs-pods-on-node', 'plugin-add-del', 'pods-throughput-by-workers']);
    const [growth, plugins, workers] = charts.map((c) => c.spec as unknown as Record<string, any>);

    expect(growth?.data.values).toEqual(growthPoints(FIXTURE));
    expect(growth?.layer[0].encoding.x.field).toBe('podsOnNode');
    expect(growth?.layer[0].encoding.y.field).toBe('addMs');
    expect(growth?.layer[0].encoding.color.scale.domain).toEqual([OURS, GO]);
    expect(growth?.layer[1].transform[0].window[0]).toEqual({ op: 'median', field: 'addMs', as: 'rollingMs' });
    expect(growth?.layer[1].transform[0].groupby).toEqual(['side']);
    expect(growth?.title.subtitle.join(' ')).toContain('load average 1.25 → 2.5');

    expect(plugins?.data.values).toEqual(pluginBars(FIXTURE));
    expect(plugins?.facet.column.field).toBe('verb');
    expect(plugins?.spec.encoding.y).toMatchObject({ field: 'plugin', sort: ['loopback', 'bridge + host-local', 'portmap, 1 TCP mapping'] });
    expect(plugins?.spec.encoding.x.field).toBe('ms');
    expect(plugins?.spec.encoding.yOffset.field).toBe('side');

    const kinds = (k: string) => workers?.data.values.filter((v: { kind: string }) => v.kind === k).map(({ kind: _, ...rest }: { kind: string }) => rest);
    expect(kinds('median')).toEqual(workersBars(FIXTURE));
    expect(kinds('run')).toEqual(workersRuns(FIXTURE));
    expect(workers?.spec.encoding.x).toMatchObject({ field: 'workers', type: 'ordinal' });
    expect(workers?.spec.encoding.xOffset.field).toBe('side');
    expect(workers?.spec.encoding.y.field).toBe('podsPerSecond');
    expect(workers?.spec.layer.map((l: { mark: { type: string }; transform: { filter: string }[] }) => [l.mark.type, l.transform[0]?.filter])).toEqual([
      ['bar', "datum.kind === 'median'"],
      ['point', "datum.kind === 'run'"],
    ]);
    expect(workers?.title.text).toMatch(/^10 pods/);
  });

  it('leaves out a chart whose group the run did not measure', () => {
    const { growth: _, ...noGrowth } = FIXTURE;
    const onlyPlugins: BenchResults = { ...noGrowth, rows: (FIXTURE.rows ?? []).filter((r) => r.group === 'plugins') };
    expect(buildCharts(onlyPlugins).map((c) => c.name)).toEqual(['plugin-add-del']);
    expect(buildCharts({})).toEqual([]);
  });

  it('the rolling median spans a tenth of the run, at least 5 pods', () => {
    expect(rollingWindow(500)).toBe(50);
    expect(rollingWindow(12)).toBe(5);
  });
});

describe('rendering', () => {
  it('renders each chart to an SVG document holding its title and both series labels', async () => {
    for (const chart of buildCharts(FIXTURE)) {
      const svg = await renderSvg(chart.spec);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
      // vega escapes text for XML; the labels here hold no characters that change
      expect(svg).toContain(chart.title.slice(0, 30));
      expect(svg).toContain(OURS);
      expect(svg).toContain(GO);
    }
  });

  it('draws one mark per data row: bars, run dots, growth dots', async () => {
    const [growth, plugins, workers] = buildCharts(FIXTURE);
    const workersSvg = await renderSvg(workers!.spec);
    expect(workersSvg.match(/aria-roledescription="bar"/g)).toHaveLength(workersBars(FIXTURE).length);
    expect(workersSvg.match(/aria-roledescription="point"/g)).toHaveLength(workersRuns(FIXTURE).length);
    const pluginSvg = await renderSvg(plugins!.spec);
    // each bar is one SVG element described as a bar
    expect(pluginSvg.match(/aria-roledescription="bar"/g)).toHaveLength(pluginBars(FIXTURE).length);
    // the dots carry no aria description (aria: false): count the paths of their mark group
    const growthSvg = await renderSvg(growth!.spec);
    const dots = /<g class="mark-symbol role-mark layer_0_marks"[^>]*>(.*?)<\/g>/s.exec(growthSvg)?.[1] ?? '';
    expect(dots.match(/<path /g)).toHaveLength(growthPoints(FIXTURE).length);
    expect(growthSvg).not.toContain('aria-roledescription="point"');
  });

  it('renderCharts writes one .svg per chart from a results file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cni-ts-charts-'));
    try {
      const file = join(dir, 'results.json');
      writeFileSync(file, JSON.stringify(FIXTURE));
      const written = await renderCharts(file, join(dir, 'out'));
      expect(readdirSync(join(dir, 'out')).sort()).toEqual(['plugin-add-del.svg', 'pod-add-vs-pods-on-node.svg', 'pods-throughput-by-workers.svg']);
      expect(written).toHaveLength(3);
      for (const f of written) expect(readFileSync(f, 'utf8')).toMatch(/^<svg[^]*<\/svg>\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
