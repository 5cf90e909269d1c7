import bandwidthJson from '../../schemas/bandwidth.json' with { type: 'json' };
import { type AttachmentRequest, CniError, ErrorCode, type Result, requirePrevResult as requirePrevResultOf } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { Shape } from './plan.ts';
import type { BandwidthKeys } from './schema.ts';

const ENTRY_KEYS = ['ingressRate', 'ingressBurst', 'egressRate', 'egressBurst'] as const;
type EntryKey = (typeof ENTRY_KEYS)[number];
type Entry = { readonly [K in EntryKey]?: number | undefined };

/** What one invocation asks for: a shape per direction, or none. */
export interface BandwidthConfig {
  readonly ingress: Shape | undefined;
  readonly egress: Shape | undefined;
}

/** A key of `obj` that Go's encoding/json would match to `name` (case-insensitively); the last one wins, as in Go. */
function lastKeyFolding(obj: Record<string, unknown>, name: string): string | undefined {
  let found: string | undefined;
  for (const k of Object.keys(obj)) if (k.toLowerCase() === name.toLowerCase()) found = k;
  return found;
}

/** `obj` with the last key that folds to `name` under `name` itself, and the other spellings dropped. */
function canonicalKey(obj: Record<string, unknown>, name: string): Record<string, unknown> {
  const key = lastKeyFolding(obj, name);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() !== name.toLowerCase()) out[k] = v;
  if (key !== undefined) out[name] = obj[key];
  return out;
}

/**
 * `obj` with the four entry keys under their canonical names, whatever their case (containerd
 * sends IngressRate..., CRI-O ingressRate...), and whether any was there at all.
 */
export function foldEntryKeys(obj: Record<string, unknown>): { folded: Record<string, unknown>; present: boolean } {
  const folded = ENTRY_KEYS.reduce(canonicalKey, obj);
  return { folded, present: ENTRY_KEYS.some((k) => k in folded) };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One direction, checked as Go checks it (and a little more: a rate or burst under 8 bits is 0 bytes to the kernel). */
function shapeOf(entry: Entry, dir: 'ingress' | 'egress', prefix: string): Shape | undefined {
  const rate = entry[`${dir}Rate`] ?? 0;
  const burst = entry[`${dir}Burst`] ?? 0;
  const rateKey = `${prefix}${dir}Rate`;
  const burstKey = `${prefix}${dir}Burst`;
  const invalid = (key: string, value: number, why: string) => new CniError(ErrorCode.InvalidConfig, `invalid ${key} ${value}`, why);
  if (rate !== 0 && burst === 0) throw invalid(burstKey, burst, `if rate is set, burst must also be set: give ${burstKey} in bits, or ${rateKey} 0 for no limit`);
  if (rate === 0 && burst !== 0) throw invalid(rateKey, rate, `if burst is set, rate must also be set: give ${rateKey} in bits per second, or ${burstKey} 0`);
  if (rate === 0) return undefined;
  if (burst / 8 >= 2 ** 32 - 1) throw invalid(burstKey, burst, 'burst cannot be more than 4GB: expected fewer than 34359738360 bits');
  if (rate < 8) throw invalid(rateKey, rate, 'expected at least 8 bits per second: the kernel counts whole bytes');
  if (burst < 8) throw invalid(burstKey, burst, 'expected at least 8 bits: the kernel counts whole bytes');
  return { rateBits: rate, burstBits: burst };
}

/**
 * Parses the configuration as Go does: the four top-level keys when any of them is present
 * (even 0), otherwise runtimeConfig.bandwidth (the bandwidth capability); keys in any case.
 * Every key's type and range is checked, in both places, before anything changes.
 * @throws CniError code 7 naming the key.
 */
export function parseBandwidthConfig(req: AttachmentRequest): BandwidthConfig {
  const top = foldEntryKeys(req.config);
  let normalized = canonicalKey(top.folded, 'runtimeConfig');
  let runtime: { folded: Record<string, unknown>; present: boolean } | undefined;
  if (isObject(normalized.runtimeConfig)) {
    const rc = canonicalKey(normalized.runtimeConfig, 'bandwidth');
    if (isObject(rc.bandwidth)) {
      runtime = foldEntryKeys(rc.bandwidth);
      rc.bandwidth = runtime.folded;
    }
    normalized = { ...normalized, runtimeConfig: rc };
  }
  const c = checkConfig<BandwidthKeys>(bandwidthJson, normalized);
  const useTop = top.present || !runtime;
  const entry: Entry = useTop ? c : (c.runtimeConfig?.bandwidth ?? {});
  const prefix = useTop ? '' : 'runtimeConfig.bandwidth.';
  return { ingress: shapeOf(entry, 'ingress', prefix), egress: shapeOf(entry, 'egress', prefix) };
}

/**
 * The interface plugin's result that ADD and CHECK work on.
 * @throws CniError code 7 when bandwidth is not chained after one (Go: "must be called as chained plugin").
 */
export function requirePrevResult(req: AttachmentRequest): Result {
  return requirePrevResultOf(req.config, {
    msg: 'must be called as chained plugin: prevResult missing',
    details: 'bandwidth shapes the host side of a veth: put it after an interface plugin such as bridge or ptp in a conflist',
  });
}
