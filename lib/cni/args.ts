import { CniError, ErrorCode } from './errors.ts';

/** CNI_ARGS as ordered key/value pairs; later duplicates win on lookup. */
export interface CniArgs {
  readonly pairs: readonly (readonly [string, string])[];
  get(key: string): string | undefined;
}

/**
 * Parses CNI_ARGS ("K=V;K=V") leniently: a chain passes the same CNI_ARGS to every plugin, so
 * keys meant for another plugin must never fail this one (cni#560). Empty segments are
 * skipped; a segment without "=" is a key with an empty value; an "=" inside a value is kept.
 */
export function parseCniArgs(raw: string | undefined): CniArgs {
  const pairs: [string, string][] = [];
  for (const segment of (raw ?? '').split(';')) {
    if (segment.trim() === '') continue;
    const eq = segment.indexOf('=');
    const key = (eq < 0 ? segment : segment.slice(0, eq)).trim();
    const value = eq < 0 ? '' : segment.slice(eq + 1).trim();
    if (key) pairs.push([key, value]);
  }
  return {
    pairs,
    get(key) {
      for (let i = pairs.length - 1; i >= 0; i--) {
        const p = pairs[i];
        if (p && p[0] === key) return p[1];
      }
      return undefined;
    },
  };
}

const ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Validates a container ID as the spec and Go do.
 * @throws CniError code 4 naming the offending ID.
 */
export function validateContainerId(id: string): void {
  if (id === '') throw new CniError(ErrorCode.InvalidEnvironment, 'missing containerID (CNI_CONTAINERID is empty)');
  if (!ID_PATTERN.test(id)) {
    throw new CniError(
      ErrorCode.InvalidEnvironment,
      `invalid characters in containerID (CNI_CONTAINERID) ${JSON.stringify(id)}`,
      'it must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$',
    );
  }
}

/**
 * Validates an interface name: at most 15 bytes, not "." or "..", no "/", ":" or whitespace.
 * @throws CniError code 4 naming the name and the rule it breaks.
 */
export function validateIfname(name: string): void {
  const fail = (why: string): never => {
    throw new CniError(ErrorCode.InvalidEnvironment, `invalid interface name (CNI_IFNAME) ${JSON.stringify(name)}`, why);
  };
  if (name === '') fail('it is empty');
  if (Buffer.byteLength(name) > 15) fail('it is longer than 15 bytes');
  if (name === '.' || name === '..') fail('it must not be "." or ".."');
  if (/[/:\s]/.test(name)) fail('it must not contain "/", ":" or whitespace');
}

/**
 * Validates a network name, which becomes a file name in state directories (host-local's
 * dataDir, the result cache), so anything that could escape a directory is rejected.
 * @throws CniError code 7.
 */
export function validateNetworkName(name: unknown): asserts name is string {
  if (name === undefined || name === null || name === '') {
    throw new CniError(ErrorCode.InvalidConfig, 'missing network name', 'the config needs a "name" key');
  }
  if (typeof name !== 'string') {
    throw new CniError(ErrorCode.InvalidConfig, `invalid network name ${JSON.stringify(name)}`, 'it must be a string');
  }
  if (!ID_PATTERN.test(name) || name === '.' || name === '..') {
    throw new CniError(
      ErrorCode.InvalidConfig,
      `invalid characters in network name ${JSON.stringify(name)}`,
      'it must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$',
    );
  }
  if (Buffer.byteLength(name) > 200) {
    throw new CniError(ErrorCode.InvalidConfig, `network name is too long (${Buffer.byteLength(name)} bytes)`, 'at most 200 bytes');
  }
}
