import { CURRENT_VERSION, compareVersions, isSupportedVersion, parseVersion } from '../cni/index.ts';
import { ConfError } from './errors.ts';

/**
 * Chooses the spec version a network list runs at. Without `cniVersions` it is `cniVersion`
 * (empty or absent means 0.1.0). With `cniVersions` (spec 1.1) it is the highest entry of
 * `cniVersion` ∪ `cniVersions` that we implement; entries newer than ours are skipped as
 * libcni does, and an entry that is not a version fails the whole list.
 * @throws ConfError naming the bad key or entry.
 */
export function selectVersion(cniVersion: unknown, cniVersions: unknown): string {
  if (cniVersion !== undefined && typeof cniVersion !== 'string') {
    throw new ConfError(`error parsing configuration list: invalid cniVersion type ${jsonType(cniVersion)}`);
  }
  const single = cniVersion ?? '';
  if (single !== '') mustParse(single, 'cniVersion');
  if (cniVersions === undefined) return single === '' ? '0.1.0' : single;
  if (!Array.isArray(cniVersions)) {
    throw new ConfError(`error parsing configuration list: invalid type for cniVersions: ${jsonType(cniVersions)}`);
  }
  const candidates: string[] = [];
  cniVersions.forEach((v: unknown, i) => {
    if (typeof v !== 'string') {
      throw new ConfError(`error parsing configuration list: invalid type for cniVersions index ${i}: ${jsonType(v)}`);
    }
    mustParse(v, `cniVersions entry ${JSON.stringify(v)} at index ${i}`);
    candidates.push(v);
  });
  if (single !== '') candidates.push(single);
  const notNewer = candidates.filter((v) => compareVersions(v, CURRENT_VERSION) <= 0).sort(compareVersions);
  const implemented = notNewer.filter(isSupportedVersion);
  // Prefer a version we implement; otherwise behave like libcni (highest not newer than ours),
  // and let the plugins reject it with a clear "incompatible CNI versions" error.
  const chosen = implemented.at(-1) ?? notNewer.at(-1);
  if (chosen === undefined) {
    // libcni would fall back to an empty version, i.e. 0.1.0, for a file that only speaks
    // newer versions: refuse instead of running it at the oldest protocol.
    throw new ConfError(
      `error parsing configuration list: no usable version in cniVersions [${candidates.join(' ')}]: all are newer than ${CURRENT_VERSION}`,
    );
  }
  return chosen;
}

function mustParse(v: string, what: string): void {
  try {
    parseVersion(v);
  } catch {
    throw new ConfError(`error parsing configuration list: invalid ${what}: "${v}" is not a MAJOR.MINOR.PATCH version`);
  }
}

/** The JSON type name of a value, for messages. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
