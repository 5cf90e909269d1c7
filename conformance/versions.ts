// Spec versions the suite knows, in order, and the feature gates between them. Kept here (not
// imported from lib/cni) so the suite stays an independent reading of the spec.

/** Every CNI spec version, oldest first. */
export const SPEC_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

/** One of the spec versions the suite knows. */
export type SpecVersion = (typeof SPEC_VERSIONS)[number];

/** True when `v` is a version the suite knows. */
export function isSpecVersion(v: unknown): v is SpecVersion {
  return typeof v === 'string' && (SPEC_VERSIONS as readonly string[]).includes(v);
}

/** Compares two x.y.z versions numerically: negative, 0 or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The spec versions from `min` on (inclusive), optionally up to `max` (inclusive). */
export function versionsFrom(min: SpecVersion, max: SpecVersion = '1.1.0'): SpecVersion[] {
  return SPEC_VERSIONS.filter((v) => compareVersions(v, min) >= 0 && compareVersions(v, max) <= 0);
}

/** True when `v` is at least `min`. */
export function atLeast(v: string, min: SpecVersion): boolean {
  return compareVersions(v, min) >= 0;
}

/** The result family a version prints: legacy ip4/ip6, 0.3-0.4 `ips[].version`, or 1.x. */
export function resultFamily(v: SpecVersion): 'legacy' | '040' | '100' | '110' {
  if (v === '0.1.0' || v === '0.2.0') return 'legacy';
  if (v === '1.0.0') return '100';
  if (v === '1.1.0') return '110';
  return '040';
}

/** Chaining (`prevResult`, `interfaces`) exists from 0.3.0. */
export function hasChaining(v: string): boolean {
  return atLeast(v, '0.3.0');
}

/** CHECK exists from 0.4.0; DEL also carries `prevResult` from then on. */
export function hasCheck(v: string): boolean {
  return atLeast(v, '0.4.0');
}

/** GC and STATUS exist from 1.1.0. */
export function hasGcStatus(v: string): boolean {
  return atLeast(v, '1.1.0');
}
