/**
 * Growth: N pods (default 500) added one after another on each side (interleaved pod by pod),
 * then deleted in the same order (Go reference §2.5). Latency at every (N/10)th pod, a
 * least-squares line over all ADDs and all DELs, and ADD at N over ADD at 1 (medians of the
 * last and first 10 pods).
 */
import type { BenchContext } from './context.ts';
import { sidesInOrder } from './context.ts';
import { type PodTiming, addPod, delPod, describeState, natRuleCount, nodeState } from './pods.ts';
import { type LinearFit, fitByIndex, formatFit, median, round3 } from './stats.ts';

/** One side's growth figures. */
export interface GrowthSide {
  readonly addMs: readonly (number | null)[];
  readonly delMs: readonly (number | null)[];
  /** Per plugin (loopback, bridge, portmap), per pod. */
  readonly addPluginMs: Readonly<Record<string, readonly (number | null)[]>>;
  readonly addFit: LinearFit | undefined;
  readonly delFit: LinearFit | undefined;
  readonly addPluginFits: Readonly<Record<string, LinearFit | undefined>>;
  readonly checkpoints: readonly { pod: number; addMs: number | null; delMs: number | null }[];
  /** Median of the first 10 ADDs, of the last 10, and last / first. */
  readonly addFirst10: number;
  readonly addLast10: number;
  readonly growthRatio: number;
  readonly failures: number;
  readonly errors: readonly string[];
  readonly duplicateIps: number;
  readonly natRulesAtPeak: number;
  readonly after: ReturnType<typeof nodeState>;
}

export async function growth(ctx: BenchContext): Promise<void> {
  const { config, sides } = ctx;
  const count = config.growth;
  ctx.pods.ensure(sides, count);
  const every = count >= 100 ? 25 : 10;
  const add = new Map(sides.map((s) => [s.name, [] as PodTiming[]]));
  const del = new Map(sides.map((s) => [s.name, [] as PodTiming[]]));
  const t0 = performance.now();
  for (let i = 1; i <= count; i++) {
    for (const side of sidesInOrder(sides, i)) add.get(side.name)?.push(await addPod(side, i));
    if (i % every === 0 || i === count) ctx.progress(`growth ADD ${i}/${count}: ${sides.map((s) => `${s.name} ${last(add.get(s.name))}`).join(', ')}  (${elapsed(t0)})`);
  }
  const nat = new Map(sides.map((s) => [s.name, natRuleCount(s)]));
  for (let i = 1; i <= count; i++) {
    for (const side of sidesInOrder(sides, i)) del.get(side.name)?.push(await delPod(side, i));
    if (i % every === 0 || i === count) ctx.progress(`growth DEL ${i}/${count}: ${sides.map((s) => `${s.name} ${last(del.get(s.name))}`).join(', ')}  (${elapsed(t0)})`);
  }
  const step = Math.max(1, Math.round(count / 10));
  const marks = [1, ...Array.from({ length: Math.floor(count / step) }, (_, k) => (k + 1) * step).filter((p) => p > 1)];
  const out: Record<string, GrowthSide> = {};
  for (const side of sides) {
    const adds = add.get(side.name) ?? [];
    const dels = del.get(side.name) ?? [];
    const ms = (ts: PodTiming[]) => ts.map((t) => (t.error ? null : round3(t.ms)));
    const addMs = ms(adds);
    const delMs = ms(dels);
    const finite = (xs: (number | null)[]) => xs.map((x) => x ?? Number.NaN);
    const pluginMs: Record<string, (number | null)[]> = {};
    for (const p of ['loopback', 'bridge', 'portmap']) pluginMs[p] = adds.map((t) => (t.error ? null : round3(t.plugins[p] ?? Number.NaN)));
    const first10 = median(finite(addMs.slice(0, 10)).filter(Number.isFinite));
    const last10 = median(finite(addMs.slice(-10)).filter(Number.isFinite));
    const errors = [...adds, ...dels].filter((t) => t.error).map((t) => t.error as string);
    const ips = adds.map((t) => t.ip).filter((x): x is string => x !== undefined);
    const after = nodeState(side);
    out[side.name] = {
      addMs,
      delMs,
      addPluginMs: pluginMs,
      addFit: fitByIndex(finite(addMs)),
      delFit: fitByIndex(finite(delMs)),
      addPluginFits: Object.fromEntries(Object.entries(pluginMs).map(([p, xs]) => [p, fitByIndex(finite(xs))])),
      checkpoints: marks.map((p) => ({ pod: p, addMs: addMs[p - 1] ?? null, delMs: delMs[p - 1] ?? null })),
      addFirst10: round3(first10) ?? Number.NaN,
      addLast10: round3(last10) ?? Number.NaN,
      growthRatio: round3(last10 / first10) ?? Number.NaN,
      failures: errors.length,
      errors: errors.slice(0, 5),
      duplicateIps: ips.length - new Set(ips).size,
      natRulesAtPeak: nat.get(side.name) ?? 0,
      after,
    };
  }
  ctx.details.growth = { pods: count, sides: out };
  printGrowth(count, marks, out);
}

function printGrowth(count: number, marks: number[], out: Record<string, GrowthSide>): void {
  const fmt = (x: number | null) => (x === null ? 'fail' : x.toFixed(0));
  console.log(`\nGrowth to ${count} pods, ADD one after another (ms at pod #)`);
  console.log(`  ${'pod #'.padEnd(10)}${marks.map((m) => String(m).padStart(7)).join('')}`);
  for (const [name, g] of Object.entries(out)) {
    console.log(`  ${`${name} ADD`.padEnd(10)}${marks.map((m) => fmt(g.addMs[m - 1] ?? null).padStart(7)).join('')}`);
    console.log(`  ${`${name} DEL`.padEnd(10)}${marks.map((m) => fmt(g.delMs[m - 1] ?? null).padStart(7)).join('')}`);
  }
  for (const [name, g] of Object.entries(out)) {
    console.log(
      `  ${name.padEnd(4)} ADD fit ${formatFit(g.addFit)} (bridge ${formatFit(g.addPluginFits.bridge)}, portmap ${formatFit(g.addPluginFits.portmap)}); ` +
        `DEL fit ${formatFit(g.delFit)}`,
    );
    console.log(
      `       ADD pods 1-10 median ${g.addFirst10.toFixed(1)} ms, last 10 ${g.addLast10.toFixed(1)} ms: x${g.growthRatio.toFixed(2)}; ` +
        `${g.failures} failures, ${g.duplicateIps} dup IPs, ${g.natRulesAtPeak} nat rules at peak, ${describeState(g.after)}`,
    );
    for (const e of g.errors) console.log(`       ${e.slice(0, 300)}`);
  }
}

function last(ts: PodTiming[] | undefined): string {
  const t = ts?.[ts.length - 1];
  if (!t) return '-';
  return t.error ? 'FAILED' : `${t.ms.toFixed(0)} ms`;
}

function elapsed(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(0)} s`;
}
