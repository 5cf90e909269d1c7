/**
 * N pods (default 100) with 1, 2 and 8 workers: ADD all, then DEL all (Go reference §2.2).
 * Wall time, ms/pod, pod latency median and p95; `reps` repetitions per side, interleaved by
 * repetition; each run checked for failures, duplicate IPs and a clean node afterwards.
 */
import { type BenchContext, sidesInOrder } from './context.ts';
import { Samples, makeRow } from './measure.ts';
import { type NodeState, type PodTiming, addPod, delPod, describeState, natRuleCount, nodeState } from './pods.ts';
import type { Side } from './side.ts';
import { median, percentile, round3 } from './stats.ts';

/** One ADD-all + DEL-all run. */
export interface PodsRun {
  readonly side: string;
  readonly workers: number;
  readonly rep: number;
  readonly pods: number;
  readonly addWallMs: number;
  readonly delWallMs: number;
  readonly addLatencyMs: readonly number[];
  readonly delLatencyMs: readonly number[];
  readonly addFailures: number;
  readonly delFailures: number;
  readonly errors: readonly string[];
  readonly duplicateIps: number;
  readonly natRulesAtPeak: number;
  readonly after: NodeState;
}

/** Runs `fn(1..count)` on `workers` concurrent workers. */
export async function pool(count: number, workers: number, fn: (n: number) => Promise<void>): Promise<void> {
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= count) {
      const n = next++;
      await fn(n);
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, count) }, worker));
}

/** ADD pods 1..count, then DEL them, on `workers` workers; progress every 25 pods. */
export async function podsRun(ctx: BenchContext, side: Side, count: number, workers: number, rep: number): Promise<PodsRun> {
  const tag = `${side.name.padEnd(4)} ${workers} worker${workers > 1 ? 's' : ' '} rep ${rep}`;
  const errors: string[] = [];
  const phase = async (verb: 'ADD' | 'DEL', op: (side: Side, n: number) => Promise<PodTiming>) => {
    const latency: number[] = [];
    const ips: string[] = [];
    let failures = 0;
    let done = 0;
    const t0 = performance.now();
    await pool(count, workers, async (n) => {
      const t = await op(side, n);
      if (t.error) {
        failures++;
        if (errors.length < 5) errors.push(`${verb} pod ${n}: ${t.error}`);
      } else latency.push(t.ms);
      if (t.ip) ips.push(t.ip);
      if (++done % 25 === 0 && done < count) ctx.progress(`${tag}: ${verb} ${done}/${count}`);
    });
    return { wall: performance.now() - t0, latency, ips, failures };
  };
  const add = await phase('ADD', addPod);
  const natRulesAtPeak = natRuleCount(side);
  const del = await phase('DEL', delPod);
  const after = nodeState(side);
  const duplicateIps = add.ips.length - new Set(add.ips).size;
  const run: PodsRun = {
    side: side.name,
    workers,
    rep,
    pods: count,
    addWallMs: add.wall,
    delWallMs: del.wall,
    addLatencyMs: add.latency.map((x) => round3(x) ?? Number.NaN),
    delLatencyMs: del.latency.map((x) => round3(x) ?? Number.NaN),
    addFailures: add.failures,
    delFailures: del.failures,
    errors,
    duplicateIps,
    natRulesAtPeak,
    after,
  };
  const lat = (xs: number[]) => `${median(xs).toFixed(0)}/${percentile(xs, 95).toFixed(0)}`;
  ctx.progress(
    `${tag}: ADD ${(add.wall / 1000).toFixed(2)} s (${(add.wall / count).toFixed(1)} ms/pod, p50/p95 ${lat(add.latency)} ms), ` +
      `DEL ${(del.wall / 1000).toFixed(2)} s (${(del.wall / count).toFixed(1)} ms/pod, ${lat(del.latency)}); ` +
      `${add.failures + del.failures} failures, ${duplicateIps} dup IPs, ${natRulesAtPeak} nat rules at peak, ${describeState(after)}`,
  );
  for (const e of errors) ctx.progress(`    ${e.slice(0, 300)}`);
  return run;
}

export async function manyPods(ctx: BenchContext): Promise<void> {
  const { config, sides } = ctx;
  const count = config.pods;
  ctx.pods.ensure(sides, count);
  const runs: PodsRun[] = [];
  const samples = new Samples();
  for (let rep = 1; rep <= config.reps; rep++) {
    for (const workers of config.workers) {
      for (const side of sidesInOrder(sides, rep + workers)) {
        const r = await podsRun(ctx, side, count, workers, rep);
        runs.push(r);
        const k = `${side.name} w${workers}`;
        if (r.addFailures === 0) samples.add(`${k} ADD ms/pod`, r.addWallMs / count);
        else samples.fail(`${k} ADD ms/pod`, `${r.addFailures} failed ADDs`);
        if (r.delFailures === 0) samples.add(`${k} DEL ms/pod`, r.delWallMs / count);
        else samples.fail(`${k} DEL ms/pod`, `${r.delFailures} failed DELs`);
        for (const x of r.addLatencyMs) samples.add(`${k} ADD latency`, x);
        for (const x of r.delLatencyMs) samples.add(`${k} DEL latency`, x);
      }
    }
  }
  for (const workers of config.workers) {
    for (const verb of ['ADD', 'DEL']) {
      const sidesOf = (what: string) => ({ ours: `ours w${workers} ${verb} ${what}`, go: `go w${workers} ${verb} ${what}` });
      ctx.addRow(makeRow('workers', `${count} pods, ${workers} worker(s): ${verb} ms/pod (median of ${config.reps} reps)`, samples, sidesOf('ms/pod')));
      ctx.addRow(makeRow('workers', `${count} pods, ${workers} worker(s): ${verb} pod latency (p50 / p95)`, samples, sidesOf('latency'), { showP95: true }));
    }
  }
  const failures = runs.reduce((n, r) => n + r.addFailures + r.delFailures, 0);
  const duplicates = runs.reduce((n, r) => n + r.duplicateIps, 0);
  const unclean = runs.filter((r) => !r.after.clean).length;
  ctx.details.workers = { pods: count, reps: config.reps, failures, duplicateIps: duplicates, uncleanRuns: unclean, runs };
  ctx.progress(`workers: ${runs.length} runs, ${failures} failures, ${duplicates} duplicate IPs, ${unclean} runs left the node unclean`);
}
