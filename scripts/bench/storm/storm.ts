/**
 * The storm and the soak (issue 17, item 3), shared by `npm run bench -- --storm | --soak`
 * (scripts/bench/storm/main.ts) and the integration test that runs both at a CI size.
 *
 * Storm: N pods on W workers, ADD all, then DEL all, on one firewall backend: failures,
 * duplicate addresses, leftovers, and the time per pod. Soak: many ADD/DEL cycles on one
 * network: the node's state at the end must equal its state at the start.
 *
 * Both take the node's baseline AFTER one warm-up pod was added and deleted: the first ADD
 * makes what a network keeps by design while it exists (the bridge and its address and route,
 * portmap's shared chains and tables, host-local's lock and cursor, the cache directories);
 * anything beyond that is something a pod left behind.
 */
import { median, percentile } from '../stats.ts';
import { type NodeState, type SectionDrift, diff, driftSize, formatDrift, snapshot } from './node-state.ts';
import { type FirewallBackend, StormNode } from './storm-node.ts';

export interface RunOptions {
  readonly pluginDir: string;
  readonly backend: FirewallBackend;
  readonly workers: number;
  readonly namePrefix: string;
  readonly nameSuffix: string;
  /** Where the node's state roots go (see StormNodeOptions). */
  readonly stateParent?: string | undefined;
  /** A progress line (long runs). */
  readonly progress?: ((line: string) => void) | undefined;
}

/** One phase (all ADDs, or all DELs): wall time, per-call latencies, failures. */
export interface Phase {
  readonly wallMs: number;
  /** Wall time over the number of pods: the throughput figure. */
  readonly msPerPod: number;
  /** Of each successful call (one runtime addNetworkList / delNetworkList). */
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly failures: number;
}

export interface StormReport {
  readonly backend: FirewallBackend;
  readonly pluginDir: string;
  readonly pods: number;
  readonly workers: number;
  readonly add: Phase;
  readonly del: Phase;
  /** Addresses handed to two pods at once. */
  readonly duplicates: number;
  /** At the peak, between the phases: host-local reservations and veths in the node. */
  readonly peak: { readonly reservations: number; readonly veths: number };
  /** Section -> lines in the node's state after the storm that were not there before. */
  readonly leftovers: Readonly<Record<string, SectionDrift>>;
  readonly leftoverCount: number;
  /** The first few errors, and the tail of the plugins' stderr when something failed. */
  readonly errors: readonly string[];
}

export interface SoakReport {
  readonly backend: FirewallBackend;
  readonly pluginDir: string;
  /** Cycles run: fewer than requested when the run was stopped early. */
  readonly cycles: number;
  readonly requestedCycles: number;
  readonly workers: number;
  readonly wallMs: number;
  readonly cyclesPerSecond: number;
  readonly failures: number;
  readonly addMedianMs: number;
  readonly delMedianMs: number;
  readonly start: NodeState;
  readonly end: NodeState;
  readonly drift: Readonly<Record<string, SectionDrift>>;
  readonly driftCount: number;
  readonly errors: readonly string[];
}

/**
 * Runs `fn(i, lane)` for i = 1..count on `workers` lanes; once `stop()` says so, no lane starts
 * another. Returns how many were started (all of them finished).
 */
async function lanes(count: number, workers: number, fn: (i: number, lane: number) => Promise<void>, stop: () => boolean = () => false): Promise<number> {
  let next = 1;
  const lane = async (l: number): Promise<void> => {
    while (next <= count && !stop()) await fn(next++, l);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, count)) }, (_, l) => lane(l)));
  return next - 1;
}

/** Times `op` and records a failure instead of throwing. */
class Recorder {
  readonly latencies: number[] = [];
  failures = 0;
  constructor(readonly errors: string[]) {}
  async time<T>(what: string, op: () => Promise<T>): Promise<T | undefined> {
    const t0 = performance.now();
    try {
      const v = await op();
      this.latencies.push(performance.now() - t0);
      return v;
    } catch (e) {
      this.failures++;
      if (this.errors.length < 5) this.errors.push(`${what}: ${(e as Error).message.slice(0, 400)}`);
      return undefined;
    }
  }
  phase(wallMs: number, pods: number): Phase {
    return { wallMs, msPerPod: wallMs / pods, medianMs: median(this.latencies), p95Ms: percentile(this.latencies, 95), failures: this.failures };
  }
}

/** One warm-up pod, added and deleted, so the baseline holds what the network itself keeps. */
async function warmUp(node: StormNode, pod: number): Promise<void> {
  await node.add(pod, -1, pod);
  await node.del(pod, -1, pod);
}

export async function runStorm(options: RunOptions & { readonly pods: number }): Promise<StormReport> {
  const { pods, workers, progress } = options;
  const tag = `storm ${options.backend}`;
  const node = new StormNode({ ...options, namePrefix: `${options.namePrefix}-storm` });
  try {
    node.ensurePods(pods);
    await warmUp(node, 1);
    const before = snapshot(node.scope);
    const errors: string[] = [];
    const step = Math.max(1, Math.round(pods / 10));

    const adds = new Recorder(errors);
    const owners = new Map<string, number>();
    let duplicates = 0;
    let t0 = performance.now();
    await lanes(pods, workers, async (n) => {
      for (const ip of (await adds.time(`ADD pod ${n}`, () => node.add(n))) ?? []) {
        if (owners.has(ip)) duplicates++;
        else owners.set(ip, n);
      }
      if (n % step === 0) progress?.(`${tag}: ADD ${n}/${pods}`);
    });
    const add = adds.phase(performance.now() - t0, pods);
    const peak = { reservations: node.reservations().length, veths: node.veths() };

    const dels = new Recorder(errors);
    t0 = performance.now();
    // Every pod is deleted, a failed ADD's too, as a runtime does.
    await lanes(pods, workers, async (n) => {
      await dels.time(`DEL pod ${n}`, () => node.del(n));
      if (n % step === 0) progress?.(`${tag}: DEL ${n}/${pods}`);
    });
    const del = dels.phase(performance.now() - t0, pods);

    const leftovers = diff(before, snapshot(node.scope));
    if (add.failures + del.failures > 0) errors.push(...node.stderr.chunks.map((c) => `plugin stderr: ${c.trim()}`));
    return { backend: options.backend, pluginDir: options.pluginDir, pods, workers, add, del, duplicates, peak, leftovers, leftoverCount: driftSize(leftovers), errors };
  } finally {
    node.remove();
  }
}

/**
 * The soak. `stop` (a signal, in main.ts) ends it early but cleanly: the lanes finish the cycles
 * they are in, and the drift is still measured, over the cycles that ran.
 */
export async function runSoak(options: RunOptions & { readonly cycles: number; readonly stop?: (() => boolean) | undefined }): Promise<SoakReport> {
  const { cycles, workers, progress } = options;
  const node = new StormNode({ ...options, namePrefix: `${options.namePrefix}-soak` });
  try {
    const podNamespaces = Math.max(1, Math.min(workers, cycles));
    node.ensurePods(podNamespaces);
    for (let p = 1; p <= podNamespaces; p++) await warmUp(node, p);
    const start = snapshot(node.scope);
    const errors: string[] = [];
    const adds = new Recorder(errors);
    const dels = new Recorder(errors);
    const step = Math.max(1, Math.round(cycles / 20));
    const t0 = performance.now();
    // Lane l works in pod namespace l + 1 with host port and slot l + 1; a fresh container ID a cycle.
    const ran = await lanes(cycles, workers, async (i, lane) => {
      await adds.time(`ADD cycle ${i}`, () => node.add(lane + 1, i, lane + 1));
      await dels.time(`DEL cycle ${i}`, () => node.del(lane + 1, i, lane + 1));
      if (i % step === 0) {
        const s = (performance.now() - t0) / 1000;
        progress?.(`soak ${options.backend}: ${i}/${cycles} cycles, ${(i / s).toFixed(2)} cycles/s, ${adds.failures + dels.failures} failures`);
      }
    }, options.stop);
    const wallMs = performance.now() - t0;
    const end = snapshot(node.scope);
    const drift = diff(start, end);
    const failures = adds.failures + dels.failures;
    if (failures > 0) errors.push(...node.stderr.chunks.map((c) => `plugin stderr: ${c.trim()}`));
    return {
      backend: options.backend,
      pluginDir: options.pluginDir,
      cycles: ran,
      requestedCycles: cycles,
      workers,
      wallMs,
      cyclesPerSecond: ran / (wallMs / 1000),
      failures,
      addMedianMs: median(adds.latencies),
      delMedianMs: median(dels.latencies),
      start,
      end,
      drift,
      driftCount: driftSize(drift),
      errors,
    };
  } finally {
    node.remove();
  }
}

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');

export function formatStorm(r: StormReport): string {
  const phase = (p: Phase) => `wall ${(p.wallMs / 1000).toFixed(1)} s = ${ms(p.msPerPod)} ms/pod; per call p50 ${ms(p.medianMs)} / p95 ${ms(p.p95Ms)} ms; ${p.failures} failures`;
  return [
    `storm, ${r.backend}, ${r.pods} pods, ${r.workers} workers, ${r.pluginDir}`,
    `  ADD  ${phase(r.add)}`,
    `  DEL  ${phase(r.del)}`,
    `  at the peak: ${r.peak.reservations} reservations, ${r.peak.veths} veths; ${r.duplicates} duplicate addresses`,
    `  leftovers: ${r.leftoverCount} ${formatDrift(r.leftovers)}`,
    ...r.errors.map((e) => `  ! ${e}`),
  ].join('\n');
}

export function formatSoak(r: SoakReport): string {
  const sizes = Object.entries(r.start).map(([k, v]) => `${k} ${v.length}`).join(', ');
  return [
    `soak, ${r.backend}, ${r.cycles} ADD/DEL cycles${r.cycles < r.requestedCycles ? ` of ${r.requestedCycles} (stopped early by a signal)` : ''}, ${r.workers} worker(s), ${r.pluginDir}`,
    `  ${(r.wallMs / 1000).toFixed(1)} s, ${r.cyclesPerSecond.toFixed(2)} cycles/s; per call p50 ADD ${ms(r.addMedianMs)} / DEL ${ms(r.delMedianMs)} ms; ${r.failures} failures`,
    `  state compared (lines per section): ${sizes}`,
    `  drift: ${r.driftCount} ${formatDrift(r.drift)}`,
    ...r.errors.map((e) => `  ! ${e}`),
  ].join('\n');
}

/** The verdict: what is wrong, empty when the run is clean (failures, duplicates, leftovers, drift). */
export function problemsOf(r: StormReport | SoakReport): string[] {
  const out: string[] = [];
  if ('pods' in r) {
    const f = r.add.failures + r.del.failures;
    if (f > 0) out.push(`storm ${r.backend}: ${f} failures`);
    if (r.duplicates > 0) out.push(`storm ${r.backend}: ${r.duplicates} duplicate addresses`);
    if (r.peak.reservations !== r.pods - r.add.failures) out.push(`storm ${r.backend}: ${r.peak.reservations} reservations at the peak for ${r.pods} pods`);
    if (r.peak.veths !== r.pods - r.add.failures) out.push(`storm ${r.backend}: ${r.peak.veths} veths at the peak for ${r.pods} pods`);
    if (r.leftoverCount > 0) out.push(`storm ${r.backend}: ${r.leftoverCount} leftovers (${Object.keys(r.leftovers).join(', ')})`);
  } else {
    if (r.failures > 0) out.push(`soak ${r.backend}: ${r.failures} failures`);
    if (r.driftCount > 0) out.push(`soak ${r.backend}: drift of ${r.driftCount} lines (${Object.keys(r.drift).join(', ')})`);
  }
  return out;
}
