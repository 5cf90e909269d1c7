/** Small statistics for the bench: medians, percentiles and a least-squares line. */

/** The median; NaN for no values. */
export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** The p-th percentile (0-100) with linear interpolation between ranks; NaN for no values. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = s[lo] as number;
  const b = s[hi] as number;
  return a + (b - a) * (rank - lo);
}

/** A fitted line y = a + b·x. */
export interface LinearFit {
  readonly a: number;
  readonly b: number;
  /** The number of points fitted. */
  readonly n: number;
}

/** Least-squares fit of y over x = 1..n (the pod index); undefined with fewer than 2 points. */
export function fitByIndex(ys: readonly number[]): LinearFit | undefined {
  const pts = ys.map((y, i) => [i + 1, y] as const).filter(([, y]) => Number.isFinite(y));
  if (pts.length < 2) return undefined;
  const mx = pts.reduce((s, [x]) => s + x, 0) / pts.length;
  const my = pts.reduce((s, [, y]) => s + y, 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const b = sxx === 0 ? 0 : sxy / sxx;
  return { a: my - b * mx, b, n: pts.length };
}

/** "63.2 + 0.37·i ms" */
export function formatFit(fit: LinearFit | undefined): string {
  if (!fit) return 'n/a';
  const sign = fit.b < 0 ? '−' : '+';
  return `${fit.a.toFixed(1)} ${sign} ${Math.abs(fit.b).toFixed(3)}·i ms`;
}

/** Rounds for JSON: 3 decimals, NaN/Infinity as null. */
export function round3(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null;
}
