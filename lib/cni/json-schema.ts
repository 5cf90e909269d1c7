import { CniError, ErrorCode } from './errors.ts';

// A checker for the part of JSON Schema that schemas/*.json use (what zod's toJSONSchema emits
// for the plugins' configs, see lib/cni/schema.ts). The plugins check their configuration with
// it (checkConfig: the first problem, as CniError code 7) and `cnitool validate` checks
// conflists (checkValue: every problem, and a key no schema knows as a warning, since every
// plugin accepts and ignores such keys). Both name the key path, the value and what was expected.

/** One thing `cnitool validate` found in a configuration. */
export interface Finding {
  readonly severity: 'error' | 'warning' | 'note';
  readonly path: string;
  readonly message: string;
}

/** The JSON Schema keywords handled; a schema with any other is refused (see checkValue). */
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties',
  'propertyNames', 'items', 'enum', 'minimum', 'maximum', 'minItems', '$defs',
  'x-expected', 'x-expected-minItems',
]);

/** A JSON Schema, as imported from schemas/*.json. */
export type Schema = Readonly<Record<string, unknown>>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * What a value of `schema` looks like, in the words the plugins' messages use: the schema's
 * "x-expected-<keyword>" when `failed` names the keyword the value failed, else its
 * "x-expected", else words made from its keywords.
 */
export function expectation(schema: Schema, failed?: string): string {
  const custom = (failed === undefined ? undefined : schema[`x-expected-${failed}`]) ?? schema['x-expected'];
  if (typeof custom === 'string') return custom;
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter((v) => v !== '');
    return `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  switch (schema.type) {
    case 'object': return 'a JSON object';
    case 'array': return typeof schema.minItems === 'number' && schema.minItems > 0 ? `a JSON array of at least ${schema.minItems} item(s)` : 'a JSON array';
    case 'string': return 'a string';
    case 'boolean': return 'true or false';
    case 'integer':
    case 'number': {
      const what = schema.type === 'integer' ? 'an integer' : 'a number';
      if (typeof schema.minimum === 'number' && typeof schema.maximum === 'number') return `${what} from ${schema.minimum} to ${schema.maximum}`;
      if (typeof schema.minimum === 'number') return `${what} of at least ${schema.minimum}`;
      if (typeof schema.maximum === 'number') return `${what} of at most ${schema.maximum}`;
      return what;
    }
    default: return 'any value';
  }
}

function hasType(schema: Schema, v: unknown): boolean {
  switch (schema.type) {
    case undefined: return true;
    case 'object': return isObject(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number';
    default: throw new Error(`unsupported JSON Schema type ${JSON.stringify(schema.type)}`);
  }
}

/** The keyword `v` fails (its own value, not what it holds), or undefined when it fits. */
function failedKeyword(schema: Schema, v: unknown): string | undefined {
  if (!hasType(schema, v)) return 'type';
  if (Array.isArray(schema.enum) && !schema.enum.includes(v)) return 'enum';
  if (typeof v === 'number' && typeof schema.minimum === 'number' && v < schema.minimum) return 'minimum';
  if (typeof v === 'number' && typeof schema.maximum === 'number' && v > schema.maximum) return 'maximum';
  if (Array.isArray(v) && typeof schema.minItems === 'number' && v.length < schema.minItems) return 'minItems';
  return undefined;
}

/** Edit distance counting a swap of two neighbours as one edit: a misspelling is one or two away. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known key `key` most likely stands for, if one is close. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k);
    if (d < bestDistance && d <= Math.max(1, Math.min(2, Math.floor(k.length / 3)))) [best, bestDistance] = [k, d];
  }
  return best;
}

function keyPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function checkObject(value: Record<string, unknown>, schema: Schema, path: string, out: Finding[]): void {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const key of (schema.required ?? []) as string[]) {
    if (value[key] === undefined || value[key] === null) out.push({ severity: 'error', path: keyPath(path, key), message: `missing ${keyPath(path, key)}: expected ${expectation(properties[key] ?? {})}` });
  }
  for (const [key, v] of Object.entries(value)) {
    // null is the zero value, as if the key were absent, for every plugin (and Go's)
    if (v === null) continue;
    const at = keyPath(path, key);
    const known = properties[key];
    if (known) checkValue(v, known, at, out);
    else if (schema.additionalProperties === false) {
      const likely = closestKey(key, Object.keys(properties));
      out.push({ severity: 'warning', path: at, message: `unknown key ${at}${likely ? ` (did you mean "${likely}"?)` : ''}: the plugin ignores it` });
    } else if (isObject(schema.additionalProperties)) checkValue(v, schema.additionalProperties, at, out);
  }
}

/**
 * Checks `value` against `schema`, appending what it finds to `out`; `path` names the value.
 * @throws Error for a schema keyword outside SUPPORTED_KEYWORDS (a schema this checker cannot judge)
 */
export function checkValue(value: unknown, schema: Schema, path: string, out: Finding[]): void {
  for (const k of Object.keys(schema)) if (!SUPPORTED_KEYWORDS.has(k)) throw new Error(`unsupported JSON Schema keyword ${JSON.stringify(k)} at ${path}`);
  const failed = failedKeyword(schema, value);
  if (failed) {
    out.push({ severity: 'error', path, message: `invalid ${path} ${JSON.stringify(value)}: expected ${expectation(schema, failed)}` });
    return;
  }
  if (isObject(value)) checkObject(value, schema, path, out);
  else if (Array.isArray(value) && isObject(schema.items)) {
    const items = schema.items;
    value.forEach((v, i) => checkValue(v, items, `${path}[${i}]`, out));
  }
}

/** The first problem of a configuration, in the order of the schema's keys. */
interface Problem {
  readonly path: string;
  readonly value: unknown;
  readonly schema: Schema;
  readonly failed: string | undefined;
}

function firstProblem(value: unknown, schema: Schema, path: string): Problem | undefined {
  const failed = failedKeyword(schema, value);
  if (failed) return { path, value, schema, failed };
  if (Array.isArray(value)) {
    if (!isObject(schema.items)) return undefined;
    for (let i = 0; i < value.length; i++) {
      const p = firstProblem(value[i], schema.items, `${path}[${i}]`);
      if (p) return p;
    }
  } else if (isObject(value)) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const required = (schema.required ?? []) as string[];
    // the value holds no null keys (see checkConfig)
    for (const [key, known] of Object.entries(properties)) {
      const v = value[key];
      if (v === undefined && required.includes(key)) return { path: keyPath(path, key), value: undefined, schema: known, failed: undefined };
      const p = v === undefined ? undefined : firstProblem(v, known, keyPath(path, key));
      if (p) return p;
    }
    const other = schema.additionalProperties;
    if (!isObject(other)) return undefined;
    for (const [key, v] of Object.entries(value)) {
      const p = Object.hasOwn(properties, key) ? undefined : firstProblem(v, other, keyPath(path, key));
      if (p) return p;
    }
  }
  return undefined;
}

/** Go decodes null as the zero value, that is as if the key were absent; so does every plugin. */
function withoutNullKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNullKeys(v);
  return out;
}

/** The code-7 error for a `value` at `path` that is not what `schema` expects. */
export function invalidValue(path: string, value: unknown, schema: Schema, failed?: string): CniError {
  return new CniError(ErrorCode.InvalidConfig, `invalid ${path || 'configuration'} ${JSON.stringify(value)}`, `expected ${expectation(schema, failed)}`);
}

/**
 * Checks a plugin's configuration (or a part of it) against its schema: keys holding null
 * count as absent, unknown keys are accepted. `T` is the type of the zod schema the JSON
 * Schema was made from (see lib/cni/schema.ts).
 * @param prefix the key path of `value` inside the configuration (e.g. "runtimeConfig.portMappings[2]")
 * @returns `value` without its null keys
 * @throws CniError code 7 for the first problem, in the order of the schema's keys:
 *   `invalid <key path> <value>` or `missing <key path>`, with details `expected <what>`.
 */
export function checkConfig<T>(schema: Schema, value: unknown, prefix = ''): T {
  const input = withoutNullKeys(value);
  const p = firstProblem(input, schema, prefix);
  if (p === undefined) return input as T;
  if (p.value === undefined) throw new CniError(ErrorCode.InvalidConfig, `missing ${p.path}`, `expected ${expectation(p.schema)}`);
  throw invalidValue(p.path, p.value, p.schema, p.failed);
}
