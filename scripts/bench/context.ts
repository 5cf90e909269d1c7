/** What every workload group gets: the options, both sides, and where results go. */
import type { Row } from './measure.ts';
import type { PodNamespaces, Side } from './side.ts';

/** The driver's options, handed over by scripts/bench.mjs as JSON (CNI_TS_BENCH_CONFIG). */
export interface BenchConfig {
  /** The run's random id: every namespace name carries it. */
  readonly id: string;
  readonly root: string;
  /** The mkdtemp state directory (dataDirs, caches, conflists). */
  readonly state: string;
  readonly nodes: { readonly ours: string; readonly go: string };
  readonly pluginDirs: { readonly ours: string; readonly go: string };
  /** Measured rounds per single-plugin, VERSION and one-pod workload. */
  readonly runs: number;
  /** Unrecorded rounds before them. */
  readonly warmup: number;
  /** Pods per run of the workers workload. */
  readonly pods: number;
  /** Repetitions of each workers run, per side. */
  readonly reps: number;
  /** Worker counts of the workers workload. */
  readonly workers: readonly number[];
  /** Pods of the growth workload (0 skips it). */
  readonly growth: number;
  /** Rounds of the peak-RSS workload. */
  readonly rssRuns: number;
  /** Run only this group. */
  readonly only: string | undefined;
  /** With only = plugins: the per-plugin workloads of these executables only (`--only plugins:ptp,static`). */
  readonly pluginFilter?: readonly string[] | undefined;
  readonly quick: boolean;
  /** Where the JSON goes. */
  readonly out: string;
}

export interface BenchContext {
  readonly config: BenchConfig;
  /** [ours, go] */
  readonly sides: readonly Side[];
  readonly pods: PodNamespaces;
  /** Every table row, in order. */
  readonly rows: Row[];
  /** Per-group details for the JSON (runs, fits, per-pod arrays, node states). */
  readonly details: Record<string, unknown>;
  /** Prints and keeps a row. */
  addRow(row: Row): void;
  /** A progress line (long runs). */
  progress(line: string): void;
}

/** The sides in the order for round `i`: alternating who goes first. */
export function sidesInOrder(sides: readonly Side[], i: number): readonly Side[] {
  return i % 2 === 0 ? sides : [...sides].reverse();
}
