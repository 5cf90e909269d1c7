import * as z from 'zod/mini';
import { MAX_LOG_MAX_BYTES, MIN_LOG_MAX_BYTES } from './invocation-log.ts';

// Plugin configs are described by zod/mini schemas, in each plugin's schema.ts: the single
// source of their keys, types, ranges and enums. zod runs only at build time: scripts/schemas.mjs
// turns the schemas into the committed schemas/*.json, and the plugins and `cnitool validate`
// check a configuration against those files with lib/cni/json-schema.ts. A plugin's config.ts
// imports its schema's types only, so zod is not in the compiled plugins (a unit test,
// scripts/plugin-bundles.test.ts, keeps it out). Measured with farm-bench, 30 runs, a bridge
// ADD that fails right after parsing, against the build of the commit before the schemas
// (both binaries copied fresh: the same binary measures up to 5 MB more or less peak memory
// with the age of its file): zod in the plugin cost (20 runs) cpu 1.39x and 36.1 -> 42.3 MB; the check
// against the JSON costs cpu 1.04x, wall 1.00x and 36.0 -> 37.0 MB (host-local: cpu 1.02x,
// wall 1.01x). zod/mini rather than zod, for the smaller build-time dependency.
//
// What a value must be is said in words the plugins' messages use ("an integer from 1 to
// 4094"); the checker derives it from the JSON Schema keywords, and a leaf whose words those
// keywords cannot give carries them as the non-standard keyword "x-expected" (registry
// metadata, which toJSONSchema copies into the file).

/** A schema's registry metadata: its description, and the words for what it expects where the JSON Schema keywords cannot give them. */
type Meta = { description?: string; 'x-expected'?: string; 'x-expected-minItems'?: string };

/**
 * Gives a key its short description (shown by editors, in schemas/*.json) and, when given,
 * the words for what it expects. A registry entry rather than zod's describe check, which
 * would construct every schema a second time.
 */
export function described<T extends z.ZodMiniType>(schema: T, description: string, meta: Meta = {}): T {
  const all: Meta = { ...(description ? { description } : {}), ...meta };
  if (Object.keys(all).length > 0) z.globalRegistry.add(schema, all);
  return schema;
}

/** `expected` as metadata, unless it is what the checker derives anyway. */
function expecting(expected: string, derived: string): Meta {
  return expected === derived ? {} : { 'x-expected': expected };
}

/** true or false. */
export function bool(description: string): z.ZodMiniBoolean {
  return described(z.boolean(), description);
}

/** An integer within [min, max]; `expected` says what is expected when it is not. */
export function int(min: number, max: number, description: string, expected?: string): z.ZodMiniNumber {
  return described(z.int().check(z.minimum(min), z.maximum(max)), description, expected === undefined ? {} : { 'x-expected': expected });
}

/** Any integer (JSON Schema gives it the safe-integer range, which is not worth a message). */
export function anyInt(description: string): z.ZodMiniNumber {
  return described(z.int(), description, { 'x-expected': 'an integer' });
}

/** A string; `expected` says what kind when a wrong type is given. */
export function str(description: string, expected = 'a string'): z.ZodMiniString {
  return described(z.string(), description, expecting(expected, 'a string'));
}

/**
 * A string naming a file system path. NUL cannot be passed to the kernel, and JSON Schema cannot
 * say so: the config code checks it, with these words.
 */
export function path(description: string): z.ZodMiniString {
  return described(z.string(), description, { 'x-expected': 'a path (a string without NUL)' });
}

/** One of a fixed set of strings; "" also counts as "not set", as Go's zero value does. */
export function oneOf<const T extends string>(values: readonly T[], description: string): z.ZodMiniEnum<z.core.util.ToEnum<T | ''>> {
  return described(z.enum<readonly (T | '')[]>([...values, '']), description);
}

/** A JSON array of `item`. */
export function list<T extends z.ZodMiniType>(item: T, description: string, expected = 'a JSON array'): z.ZodMiniArray<T> {
  return described(z.array(item), description, expecting(expected, 'a JSON array'));
}

/**
 * A JSON object with known keys. Unknown keys are accepted by the plugins (as Go's are) and
 * marked additionalProperties false in the JSON Schema, so that editors and `cnitool validate`
 * can point at a misspelled key.
 */
export function record<S extends z.core.$ZodLooseShape>(shape: S, description: string, expected = 'a JSON object'): z.ZodMiniObject<S> {
  return described(z.object(shape), description, expecting(expected, 'a JSON object'));
}

/** A JSON object whose other keys belong to someone else (a runtime, another plugin). */
export function openRecord<S extends z.core.$ZodLooseShape>(shape: S, description: string, expected = 'a JSON object'): z.ZodMiniObject<S, z.core.$loose> {
  return described(z.looseObject(shape), description, expecting(expected, 'a JSON object'));
}

/**
 * The keys the CNI spec defines for every plugin configuration: a plugin's schema spreads them
 * in, so that they are not reported as unknown. skel has already checked the ones it uses.
 */
export const netConfKeys = {
  cniVersion: z.optional(str('The CNI spec version of this configuration.')),
  name: z.optional(str('The network name.')),
  type: str('The plugin executable to run.'),
  capabilities: z.optional(described(z.record(z.string(), z.boolean()), 'Capabilities the runtime may pass in runtimeConfig.')),
  runtimeConfig: z.optional(openRecord({}, 'Capability arguments, set by the runtime.')),
  args: z.optional(openRecord({}, 'Extra arguments, set by the runtime.')),
  prevResult: z.optional(openRecord({}, 'The previous plugin\'s result, set by the runtime.')),
  dns: z.optional(openRecord({}, 'DNS settings for the container (the spec\'s DNS type).')),
  // cni-ts's own keys, read by skel for every plugin (lib/cni/invocation-log.ts)
  logFile: z.optional(path('A file to append one JSON line per invocation to (off when unset; overrides CNI_TS_LOG_FILE).')),
  logLevel: z.optional(oneOf(['error', 'info', 'debug'], 'What the log file gets: "error" failures only, "info" every invocation (the default), "debug" adds timings and details.')),
  logMaxBytes: z.optional(int(MIN_LOG_MAX_BYTES, MAX_LOG_MAX_BYTES, 'The log file\'s size cap in bytes (default 10 MiB): past it the file is rotated to <logFile>.1.')),
} as const;
