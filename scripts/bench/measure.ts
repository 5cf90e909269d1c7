/**
 * Interleaved measurement: every round runs each contender once, the starting contender
 * rotating from round to round, so slow drifts of a shared machine hit every side alike.
 */
import { median, percentile, round3 } from './stats.ts';

/** Values and failures per key, e.g. "ours loopback ADD". */
export class Samples {
  readonly values = new Map<string, number[]>();
  readonly failures = new Map<string, string[]>();

  add(key: string, value: number): void {
    const list = this.values.get(key);
    if (list) list.push(value);
    else this.values.set(key, [value]);
  }

  fail(key: string, message: string): void {
    const list = this.failures.get(key);
    if (list) list.push(message);
    else this.failures.set(key, [message]);
  }

  get(key: string): number[] {
    return this.values.get(key) ?? [];
  }

  failed(key: string): string[] {
    return this.failures.get(key) ?? [];
  }
}

/** One contender's part of a round: measure, and record into `samples`. */
export type Contender = (samples: Samples, round: number) => Promise<void> | void;

/**
 * Runs `warmup` unrecorded rounds, then `rounds` recorded ones, each contender once per round.
 */
export async function interleave(rounds: number, warmup: number, contenders: readonly Contender[], samples: Samples): Promise<void> {
  const scratch = new Samples();
  for (let r = 0; r < warmup + rounds; r++) {
    const into = r < warmup ? scratch : samples;
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(r + k) % contenders.length] as Contender;
      await c(into, r);
    }
  }
}

/** One side's figures in a row. */
export interface Cell {
  readonly median: number | null;
  readonly p95: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly n: number;
  readonly failures: number;
  readonly firstError?: string | undefined;
}

/** One line of the results table. */
export interface Row {
  readonly group: string;
  readonly workload: string;
  readonly unit: string;
  readonly cells: Readonly<Record<string, Cell>>;
  /** ours / go (or the row's first side over its last), by medians. */
  readonly ratio: number | null;
  readonly note?: string | undefined;
  /** Print the p95 next to the median (latency rows). */
  readonly showP95?: boolean | undefined;
}

/** Summarises the samples of one key. */
export function cell(samples: Samples, key: string): Cell {
  const xs = samples.get(key);
  const failed = samples.failed(key);
  return {
    median: round3(median(xs)),
    p95: round3(percentile(xs, 95)),
    min: round3(xs.length ? Math.min(...xs) : Number.NaN),
    max: round3(xs.length ? Math.max(...xs) : Number.NaN),
    n: xs.length,
    failures: failed.length,
    firstError: failed[0],
  };
}

/**
 * A row whose sides are `{ label: sampleKey }`; the ratio is the first side over the last.
 */
export function makeRow(
  group: string,
  workload: string,
  samples: Samples,
  sides: Readonly<Record<string, string>>,
  options: { unit?: string; note?: string; showP95?: boolean } = {},
): Row {
  const cells: Record<string, Cell> = {};
  for (const [label, key] of Object.entries(sides)) cells[label] = cell(samples, key);
  return { ...rowOf(group, workload, cells, options), showP95: options.showP95 };
}

/**
 * A cell of a figure derived from two cells' medians (e.g. ADD minus VERSION): the median
 * only; n is the smaller of the two counts and the failures are both cells' together.
 */
export function differenceCell(a: Cell, b: Cell): Cell {
  const median = a.median === null || b.median === null ? null : round3(a.median - b.median);
  return {
    median,
    p95: null,
    min: null,
    max: null,
    n: Math.min(a.n, b.n),
    failures: a.failures + b.failures,
    firstError: a.firstError ?? b.firstError,
  };
}

/**
 * A row of cells made elsewhere (derived figures); the ratio is the first side over the last,
 * none when either is negative or the last is not above `minDenominator` (for a difference
 * of two medians, 1 ms: below that it is noise, and a ratio over it says nothing).
 */
export function rowOf(
  group: string,
  workload: string,
  cells: Readonly<Record<string, Cell>>,
  options: { unit?: string; note?: string; minDenominator?: number } = {},
): Row {
  const labels = Object.keys(cells);
  const first = cells[labels[0] as string]?.median ?? null;
  const last = cells[labels[labels.length - 1] as string]?.median ?? null;
  const ratio = labels.length > 1 && first !== null && last !== null && first >= 0 && last > (options.minDenominator ?? 0) ? round3(first / last) : null;
  return { group, workload, unit: options.unit ?? 'ms', cells, ratio, note: options.note };
}
