/** The printed table and the issue's targets with PASS/FAIL. */
import type { Cell, Row } from './measure.ts';
import { round3 } from './stats.ts';

const WIDTH = 62;

/** One table line: each side's median (and p95 when asked), the ratio, failures. */
export function formatRow(row: Row): string {
  const cells = Object.entries(row.cells).map(([label, c]) => `${label} ${value(c, row)}`);
  const ratio = row.ratio === null ? '' : `   ratio ${row.ratio.toFixed(2)}`;
  const failed = Object.entries(row.cells)
    .filter(([, c]) => c.failures > 0)
    .map(([label, c]) => `${label}: ${c.failures}/${c.failures + c.n} failed`);
  const name = row.workload.length > WIDTH ? `${row.workload.slice(0, WIDTH - 1)}…` : row.workload;
  return `  ${name.padEnd(WIDTH)} ${cells.join('   ')}${ratio}${failed.length ? `   [${failed.join('; ')}]` : ''}`;
}

function value(c: Cell, row: Row): string {
  if (c.median === null) return 'n/a';
  const digits = row.unit === 'MB' || c.median < 100 ? 1 : 0;
  const p95 = row.showP95 && c.p95 !== null ? ` / ${c.p95.toFixed(digits)}` : '';
  return `${c.median.toFixed(digits)}${p95} ${row.unit}`;
}

/** One of the issue's targets. */
export interface Target {
  readonly target: string;
  readonly limit: string;
  /** The measured figure (a ratio, or MB); null when not measured in this run. */
  readonly value: number | null;
  readonly unit: string;
  readonly pass: boolean | null;
  readonly detail?: string | undefined;
}

/** A target met when `value <= max`; unmeasured (null) when the workload did not run. */
export function target(name: string, max: number, value: number | null | undefined, unit: string, detail?: string, broken = false): Target {
  const v = value === undefined || value === null || !Number.isFinite(value) ? null : round3(value);
  const limit = unit === 'x' ? `≤ ${max}×` : `≤ ${max} ${unit}`;
  return { target: name, limit, value: v, unit, pass: v === null ? null : v <= max && !broken, detail };
}

export function formatTargets(targets: readonly Target[]): string {
  const lines = targets.map((t) => {
    const v = t.value === null ? 'not measured' : t.unit === 'x' ? `${t.value.toFixed(2)}×` : `${t.value.toFixed(1)} ${t.unit}`;
    const verdict = t.pass === null ? '—' : t.pass ? 'PASS' : 'FAIL';
    return `  ${t.target.padEnd(64)} ${t.limit.padEnd(10)} ${v.padStart(13)}   ${verdict}${t.detail ? `   (${t.detail})` : ''}`;
  });
  return [`  ${'target'.padEnd(64)} ${'limit'.padEnd(10)} ${'measured'.padStart(13)}   verdict`, ...lines].join('\n');
}

/** Finds a row by group and workload prefix. */
export function findRow(rows: readonly Row[], group: string, prefix: string): Row | undefined {
  return rows.find((r) => r.group === group && r.workload.startsWith(prefix));
}
