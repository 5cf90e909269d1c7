import { CniError, ErrorCode } from './errors.ts';

// Small readers for plugin config fields. Each failure is code 7 naming the key and the value,
// which is what an operator needs to fix a config. They cost nothing at startup, unlike a
// schema library, and plugin configs are flat enough not to need one.

type Obj = Readonly<Record<string, unknown>>;

function bad(key: string, value: unknown, expected: string): CniError {
  return new CniError(ErrorCode.InvalidConfig, `invalid ${key} ${JSON.stringify(value)}`, `expected ${expected}`);
}

/** An optional boolean; absent or null gives the default. */
export function readBool(o: Obj, key: string, dflt = false, prefix = ''): boolean {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw bad(prefix + key, v, 'true or false');
  return v;
}

/** An optional integer within [min, max]. */
export function readInt(o: Obj, key: string, opts: { min?: number; max?: number; prefix?: string } = {}): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER, prefix = '' } = opts;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(prefix + key, v, `an integer from ${min} to ${max}`);
  return v;
}

/** An optional string; an empty string counts as absent. */
export function readString(o: Obj, key: string, prefix = ''): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw bad(prefix + key, v, 'a string');
  return v;
}

/** An optional object; absent gives an empty object. */
export function readObject(o: Obj, key: string, prefix = ''): Obj {
  const v = o[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(prefix + key, v, 'a JSON object');
  return v as Obj;
}

/** An optional array; absent gives an empty array. */
export function readArray(o: Obj, key: string, prefix = ''): readonly unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(prefix + key, v, 'a JSON array');
  return v;
}

/** An optional string from a fixed set. */
export function readEnum<T extends string>(o: Obj, key: string, allowed: readonly T[], prefix = ''): T | undefined {
  const v = readString(o, key, prefix);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw bad(prefix + key, v, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  return v as T;
}

const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;

/**
 * A MAC address, normalised to lowercase with colons.
 * @throws CniError code 7 naming where it came from.
 */
export function parseMac(value: string, source: string): string {
  if (!MAC.test(value)) throw bad(source, value, 'a MAC address such as "0a:58:0a:01:00:05"');
  return value.toLowerCase().replaceAll('-', ':');
}
