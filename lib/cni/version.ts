import { CniError, ErrorCode } from './errors.ts';

/** Every spec version this suite speaks, oldest first. */
export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

/** One of the supported spec versions. */
export type SpecVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The version this suite implements in full and builds results in. */
export const CURRENT_VERSION: SpecVersion = '1.1.0';

/** What a plugin prints for VERSION, in the skel's layout (the multi-call entry prints it too). */
export function versionAnswer(versions: readonly string[] = SUPPORTED_VERSIONS): string {
  return `${JSON.stringify({ cniVersion: CURRENT_VERSION, supportedVersions: [...versions] }, null, 4)}\n`;
}

/** True when `v` is exactly one of the supported version strings. */
export function isSupportedVersion(v: string): v is SpecVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/**
 * Parses "X.Y.Z" into numbers.
 * @throws CniError code 6 when the string is not a version.
 */
export function parseVersion(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new CniError(ErrorCode.DecodeFailure, `invalid version "${v}": expected MAJOR.MINOR.PATCH`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Compares two versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** A config with an empty or absent cniVersion is 0.1.0 (spec). */
export function configVersion(raw: unknown): string {
  return typeof raw === 'string' && raw !== '' ? raw : '0.1.0';
}

/** CHECK exists from 0.4.0. */
export function specHasCheck(v: string): boolean {
  return compareVersions(v, '0.4.0') >= 0;
}

/** GC and STATUS exist from 1.1.0. */
export function specHasGcAndStatus(v: string): boolean {
  return compareVersions(v, '1.1.0') >= 0;
}

/** prevResult on DEL/CHECK and error codes 3 and 11 exist from 0.4.0. */
export function specHasPrevResultOnDel(v: string): boolean {
  return compareVersions(v, '0.4.0') >= 0;
}

/**
 * Fails unless the config's version is one this plugin supports, with the list in details,
 * so an operator sees at once whether the config or the plugin bundle is out of date.
 */
export function reconcileVersion(configured: string, supported: readonly string[] = SUPPORTED_VERSIONS): void {
  if (!supported.includes(configured)) {
    throw new CniError(
      ErrorCode.IncompatibleVersion,
      'incompatible CNI versions',
      `config is "${configured}", plugin supports [${supported.map((s) => `"${s}"`).join(' ')}]`,
    );
  }
}
