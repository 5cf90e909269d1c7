import type { Interface, Result } from '../../lib/cni/index.ts';
import type { TbfParams } from '../../lib/link/index.ts';
import { sha512Hex } from '../../lib/firewall/index.ts';

// Pure: the ifb's name, the token bucket numbers, the result and what CHECK compares.

/** One direction's limit, as configured: bits per second and bits (both > 0). */
export interface Shape {
  readonly rateBits: number;
  readonly burstBits: number;
}

/** The ifb's name, as the Go plugin derives it: "bwp" and the SHA-512 of network name + container ID, 15 characters. */
export function ifbName(network: string, containerId: string): string {
  return `bwp${sha512Hex(network + containerId)}`.slice(0, 15);
}

/** psched ticks per microsecond: /proc/net/psched has said 1000/64 since Linux 2.6.25 (PSCHED_SHIFT 6). */
export const TICKS_PER_USEC = 1000 / 64;
const USEC_PER_SEC = 1e6;
/** The queue holds 25 ms of traffic at the rate, as the Go plugin's fixed latency. */
const LATENCY_USEC = USEC_PER_SEC * (25 / 1000);
const U32 = 2 ** 32;

/** Go's uint32(float64) on amd64: truncation to int64 (out of range: the "indefinite" 1<<63), then the low 32 bits. */
function goUint32(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 2 ** 63) return 0;
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(x))));
}

/**
 * The tbf numbers the Go plugin sends, overflows included: the bucket time goes through a u32 of
 * microseconds and a u32 of ticks, and the limit through a u32 sum, each wrapping silently.
 * (containerd's burst of 2^32-1 bits at 1 Mbit/s becomes a 21 MB bucket instead of 512 MiB.)
 */
export function goTbf(s: Shape): TbfParams {
  const rate = Math.floor(s.rateBits / 8);
  const burst = goUint32(Math.floor(s.burstBits / 8));
  const usec = goUint32((burst * USEC_PER_SEC) / rate);
  const buffer = goUint32(usec * TICKS_PER_USEC);
  const limit = (goUint32((rate * LATENCY_USEC) / USEC_PER_SEC) + burst) % U32;
  return { rate, limit, buffer };
}

/**
 * Ours: the same numbers where Go's do not overflow (so either plugin's CHECK accepts the
 * other's qdisc). Where the bucket time does not fit a u32 of ticks (about 275 s), the bucket
 * is sent in bytes (TCA_TBF_BURST) and the kernel computes its time in 64 bits; a limit over
 * 4 GiB is capped rather than wrapped.
 */
export function tbfParams(s: Shape): TbfParams {
  const go = goTbf(s);
  const burst = Math.floor(s.burstBits / 8);
  const exactUsec = Math.trunc((burst * USEC_PER_SEC) / go.rate);
  const limit = Math.min(U32 - 1, Math.trunc((go.rate * LATENCY_USEC) / USEC_PER_SEC) + burst);
  const bufferFits = exactUsec < U32 && Math.trunc(exactUsec * TICKS_PER_USEC) < U32;
  return bufferFits ? { ...go, limit } : { ...go, limit, burst };
}

/**
 * Why the tbf the kernel reports is not the one configured; undefined when it is: ours, Go's
 * (wrapped numbers included, so a qdisc Go's ADD made passes), or a bucket the kernel recomputed.
 */
export function tbfMismatch(got: TbfParams, s: Shape): string | undefined {
  const want = tbfParams(s);
  const go = goTbf(s);
  if (got.rate !== want.rate) return `rate is ${got.rate * 8} bit/s, configured ${s.rateBits}`;
  if (got.limit !== want.limit && got.limit !== go.limit) return `limit is ${got.limit} bytes, expected ${want.limit}`;
  if (got.buffer === go.buffer) return undefined;
  if (want.burst !== undefined && bucketTicksMatch(got.buffer, want.burst, want.rate)) return undefined;
  return `bucket is ${got.buffer} ticks, expected ${want.burst === undefined ? want.buffer : `${want.burst} bytes`}`;
}

/**
 * A bucket sent in bytes is reported back in ticks, computed by the kernel from its own
 * fixed-point rate and cut to a u32: compare modulo 2^32, within the rounding (1 ppm + 64 ticks).
 */
function bucketTicksMatch(reported: number, burstBytes: number, rate: number): boolean {
  const exact = (burstBytes * USEC_PER_SEC * TICKS_PER_USEC) / rate;
  const diff = Math.abs(((reported - (exact % U32) + U32 + U32 / 2) % U32) - U32 / 2);
  return diff <= exact * 1e-6 + 64;
}

/** The result: prevResult, with the ifb appended (no sandbox) when egress is shaped, as Go adds it. */
export function resultWithIfb(prev: Result, ifb: Interface | undefined): Result {
  if (!ifb) return prev;
  return { ...prev, interfaces: [...(prev.interfaces ?? []), ifb] };
}
