import { goJson } from './go-json.ts';

/** libcni's marker for the current cache file format. */
export const CACHE_KIND_V1 = 'cniCacheV1';

/** One cache file in libcni's `cniCacheV1` format. */
export interface CacheEntry {
  readonly containerId: string;
  /** The network configuration bytes the ADD ran with (base64 in the file: a Go []byte). */
  readonly config: Buffer;
  readonly ifName: string;
  readonly networkName: string;
  readonly netns?: string | undefined;
  readonly cniArgs?: readonly (readonly [string, string])[] | undefined;
  readonly capabilityArgs?: Readonly<Record<string, unknown>> | undefined;
  /** The final ADD result as the last plugin printed it. */
  readonly result?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Serialises an entry exactly as libcni's cachedInfo struct marshals: fields in struct order,
 * `netns`, `cniArgs`, `capabilityArgs` and `result` omitted when empty, maps with sorted keys.
 */
export function encodeCacheEntry(entry: CacheEntry): string {
  const parts = [
    `"kind":${goJson(CACHE_KIND_V1)}`,
    `"containerId":${goJson(entry.containerId)}`,
    `"config":${goJson(entry.config.toString('base64'))}`,
    `"ifName":${goJson(entry.ifName)}`,
    `"networkName":${goJson(entry.networkName)}`,
  ];
  if (entry.netns) parts.push(`"netns":${goJson(entry.netns)}`);
  if (entry.cniArgs && entry.cniArgs.length > 0) parts.push(`"cniArgs":${goJson(entry.cniArgs)}`);
  if (entry.capabilityArgs && Object.keys(entry.capabilityArgs).length > 0) {
    parts.push(`"capabilityArgs":${goJson(entry.capabilityArgs)}`);
  }
  if (entry.result && Object.keys(entry.result).length > 0) parts.push(`"result":${goJson(entry.result)}`);
  return `{${parts.join(',')}}`;
}

/** What a cache file turned out to hold. */
export type DecodedCache =
  | { readonly kind: 'v1'; readonly entry: CacheEntry }
  /** A pre-v1 file: just the raw result JSON. */
  | { readonly kind: 'legacy'; readonly result: Record<string, unknown> }
  /** Empty, truncated or otherwise unusable (common after a power loss, cni#1055). */
  | { readonly kind: 'corrupt'; readonly reason: string };

/**
 * Decodes a cache file tolerantly: a v1 entry, a pre-v1 raw result, or "corrupt" with the
 * reason — never an exception, so each caller decides what a bad file means for it.
 */
export function decodeCache(text: string): DecodedCache {
  if (text.trim() === '') return { kind: 'corrupt', reason: 'the file is empty' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { kind: 'corrupt', reason: `it is not JSON: ${(e as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'corrupt', reason: 'it is not a JSON object' };
  const o = value as Record<string, unknown>;
  if (o.kind !== CACHE_KIND_V1) {
    if (typeof o.cniVersion === 'string' && o.cniVersion !== '') return { kind: 'legacy', result: o };
    return { kind: 'corrupt', reason: `unknown kind ${JSON.stringify(o.kind)} and not a result` };
  }
  const str = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  if (o.config !== undefined && o.config !== null && typeof o.config !== 'string') {
    return { kind: 'corrupt', reason: '"config" is not base64 text' };
  }
  const entry: {
    -readonly [K in keyof CacheEntry]: CacheEntry[K];
  } = {
    containerId: str('containerId') ?? '',
    config: Buffer.from(str('config') ?? '', 'base64'),
    ifName: str('ifName') ?? '',
    networkName: str('networkName') ?? '',
  };
  if (str('netns')) entry.netns = str('netns');
  if (o.cniArgs !== undefined && o.cniArgs !== null) {
    if (!Array.isArray(o.cniArgs) || !o.cniArgs.every((p) => Array.isArray(p) && p.length === 2 && p.every((s) => typeof s === 'string'))) {
      return { kind: 'corrupt', reason: '"cniArgs" is not a list of [key, value] pairs' };
    }
    entry.cniArgs = o.cniArgs as [string, string][];
  }
  if (o.capabilityArgs !== undefined && o.capabilityArgs !== null) {
    if (typeof o.capabilityArgs !== 'object' || Array.isArray(o.capabilityArgs)) {
      return { kind: 'corrupt', reason: '"capabilityArgs" is not an object' };
    }
    entry.capabilityArgs = o.capabilityArgs as Record<string, unknown>;
  }
  if (o.result !== undefined && o.result !== null) {
    if (typeof o.result !== 'object' || Array.isArray(o.result)) return { kind: 'corrupt', reason: '"result" is not an object' };
    entry.result = o.result as Record<string, unknown>;
  }
  return { kind: 'v1', entry };
}
