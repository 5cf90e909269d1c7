import type { Backend } from './chain.ts';
import type { KillPoint } from './syscalls.ts';

// Test-only: how many of the kill points a run covers. `npm test` covers every point of the
// iptables backend and every STRIDE-th of the nftables one (the plugins' own code paths are
// the same for both; the backend changes the child processes and their input), to stay within
// a few minutes on a 2-core machine. CNI_TS_KILL_STEPS=all covers every point of both; a number
// sets the stride of the second backend.

/** The stride of the backend covered partly in `npm test`. */
export const DEFAULT_STRIDE = 3;

/** 1 = every point. @throws Error on a value that is neither "all" nor a positive integer */
export function strideFor(backend: Backend, setting: string | undefined): number {
  if (setting === 'all') return 1;
  if (backend === 'iptables') return 1;
  if (setting === undefined || setting === '') return DEFAULT_STRIDE;
  const n = Number(setting);
  if (!Number.isInteger(n) || n < 1) throw new Error(`CNI_TS_KILL_STEPS must be "all" or a positive integer, not ${JSON.stringify(setting)}`);
  return n;
}

/** Every stride-th point, always with the last one (the result written: everything done). */
export function selectPoints(points: readonly KillPoint[], stride: number): KillPoint[] {
  return points.filter((p, i) => i % stride === 0 || i === points.length - 1);
}
