import * as z from 'zod/mini';
import { CniError, ErrorCode } from './errors.ts';

// Plugin configs are described by zod/mini schemas: they check the wire shape (types, ranges,
// enums) and are exported as JSON Schema (schemas/*.json) for editors and `cnitool validate`.
// zod/mini rather than zod: in the compiled plugin the full build measured more start time and
// about 8 MB more memory than mini. Each leaf schema carries its own expectation text ("an integer from 1 to 4094"),
// which becomes the `expected ...` of the code-7 error, because mini ships no messages.

// A plugin runs once and exits: compiling a schema with `new Function` never pays back.
z.config({ jitless: true });

/**
 * Gives a key its short description, shown by editors and in schemas/*.json. A registry entry
 * rather than zod's describe check, which would construct every schema a second time (a plugin
 * builds its schemas at every start).
 */
export function described<T extends z.ZodMiniType>(schema: T, description: string): T {
  if (description) z.globalRegistry.add(schema, { description });
  return schema;
}

/** true or false. */
export function bool(description: string): z.ZodMiniBoolean {
  return described(z.boolean({ error: 'true or false' }), description);
}

/** An integer within [min, max]; `error` says what is expected when it is not. */
export function int(min: number, max: number, description: string, error = `an integer from ${min} to ${max}`): z.ZodMiniNumber {
  return described(z.int({ error }).check(z.minimum(min, { error }), z.maximum(max, { error })), description);
}

/** A string; `expected` says what kind when a wrong type is given. */
export function str(description: string, expected = 'a string'): z.ZodMiniString {
  return described(z.string({ error: expected }), description);
}

/** A string naming a file system path: NUL cannot be passed to the kernel. */
export function path(description: string): z.ZodMiniString {
  const error = 'a path (a string without NUL)';
  return described(z.string({ error }).check(z.refine((s) => !s.includes('\0'), { error })), description);
}

/** One of a fixed set of strings; "" also counts as "not set", as Go's zero value does. */
export function oneOf<const T extends string>(values: readonly T[], description: string): z.ZodMiniEnum<z.core.util.ToEnum<T | ''>> {
  const error = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return described(z.enum<readonly (T | '')[]>([...values, ''], { error }), description);
}

/** A JSON array of `item`. */
export function list<T extends z.ZodMiniType>(item: T, description: string, expected = 'a JSON array'): z.ZodMiniArray<T> {
  return described(z.array(item, { error: expected }), description);
}

/**
 * A JSON object with known keys. Unknown keys are dropped when parsing (a plugin accepts them,
 * as Go's do) and marked additionalProperties false in the JSON Schema, so that editors and
 * `cnitool validate` can point at a misspelled key.
 */
export function record<S extends z.core.$ZodLooseShape>(shape: S, description: string, expected = 'a JSON object'): z.ZodMiniObject<S> {
  return described(z.object(shape, { error: expected }), description);
}

/** A JSON object whose other keys belong to someone else (a runtime, another plugin). */
export function openRecord<S extends z.core.$ZodLooseShape>(shape: S, description: string, expected = 'a JSON object'): z.ZodMiniObject<S, z.core.$loose> {
  return described(z.looseObject(shape, { error: expected }), description);
}

/**
 * The keys the CNI spec defines for every plugin configuration: a plugin's schema spreads them
 * in, so that they are not reported as unknown. skel has already checked the ones it uses.
 */
export const netConfKeys = {
  cniVersion: z.optional(str('The CNI spec version of this configuration.')),
  name: z.optional(str('The network name.')),
  type: str('The plugin executable to run.'),
  capabilities: z.optional(
    described(z.record(z.string(), z.boolean({ error: 'true or false' }), { error: 'a JSON object' }), 'Capabilities the runtime may pass in runtimeConfig.'),
  ),
  runtimeConfig: z.optional(openRecord({}, 'Capability arguments, set by the runtime.')),
  args: z.optional(openRecord({}, 'Extra arguments, set by the runtime.')),
  prevResult: z.optional(openRecord({}, 'The previous plugin\'s result, set by the runtime.')),
  dns: z.optional(openRecord({}, 'DNS settings for the container (the spec\'s DNS type).')),
} as const;

/** Go decodes null as the zero value, that is as if the key were absent; so does every plugin. */
function withoutNullKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNullKeys(v);
  return out;
}

/** `a.b[0].c`, the way messages name a key. */
export function keyPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/**
 * Checks `value` against a plugin's schema; keys holding null count as absent.
 * @param prefix the key path of `value` inside the configuration (e.g. "runtimeConfig.portMappings[2]")
 * @throws CniError code 7 `invalid <key path> <value>` with details `expected <what>`.
 */
export function parseConfigWith<T extends z.ZodMiniType>(schema: T, value: unknown, prefix = ''): z.output<T> {
  const input = withoutNullKeys(value);
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0] as z.core.$ZodIssue;
  const key = keyPath(issue.path, prefix);
  const found = valueAt(input, issue.path);
  if (found === undefined) return missing(key, issue.message);
  throw new CniError(ErrorCode.InvalidConfig, `invalid ${key || 'configuration'} ${JSON.stringify(found)}`, `expected ${issue.message}`);
}

function missing(key: string, expected: string): never {
  throw new CniError(ErrorCode.InvalidConfig, `missing ${key}`, `expected ${expected}`);
}
