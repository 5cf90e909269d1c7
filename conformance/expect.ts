// Assertions over plugin executions. Each failure message names the plugin, the verb and what
// the plugin printed, so the one-line report reason is enough to start debugging.
import { basename } from 'node:path';
import { resultProblems, type ShapeOptions } from './shape.ts';
import type { Invocation } from './types.ts';
import type { SpecVersion } from './versions.ts';

/** A check failed: the message is the report's reason. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

/** Fails the check. */
export function fail(message: string): never {
  throw new CheckFailure(message);
}

/** Fails the check unless `condition` holds. */
export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

function clip(s: string, n = 300): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n)}…` : one;
}

/** `bridge ADD` — how messages name an execution. */
export function label(inv: Invocation): string {
  return `${basename(inv.binary)} ${inv.env.CNI_COMMAND ?? '(no command)'}`;
}

/** A short description of what the plugin printed. */
export function outputOf(inv: Invocation): string {
  if (inv.timedOut) return 'timed out';
  const out = inv.stdout.trim() ? `stdout ${clip(inv.stdout)}` : 'empty stdout';
  const err = inv.stderr.trim() ? `, stderr ${clip(inv.stderr, 200)}` : '';
  return `exit ${inv.code}, ${out}${err}`;
}

/** Requires exit 0; returns stdout parsed as JSON (undefined when empty). */
export function expectSuccess(inv: Invocation, what = label(inv)): unknown {
  ensure(inv.code === 0 && !inv.timedOut, `${what} failed: ${outputOf(inv)}`);
  if (inv.stdout.trim() !== '') ensure(inv.json !== undefined, `${what}: stdout is not JSON: ${clip(inv.stdout)}`);
  return inv.json;
}

/** Requires exit 0 and nothing on stdout (CHECK, GC and STATUS print nothing on success). */
export function expectQuietSuccess(inv: Invocation, what = label(inv)): void {
  expectSuccess(inv, what);
  ensure(inv.stdout.trim() === '', `${what} succeeded but printed ${clip(inv.stdout)} (expected nothing)`);
}

/** Requires exit 0 and a result of the given version's shape; returns it. */
export function expectResult(inv: Invocation, version: SpecVersion, what = label(inv), opts: ShapeOptions = {}): Record<string, unknown> {
  const json = expectSuccess(inv, what);
  ensure(json !== undefined, `${what} succeeded but printed no result`);
  const problems = resultProblems(json, version, opts);
  ensure(problems.length === 0, `${what} result does not match ${version}: ${problems.slice(0, 4).join('; ')}`);
  return json as Record<string, unknown>;
}

/** The error object a failing plugin printed. */
export interface CniErrorJson {
  code: number;
  msg: string;
  details?: string;
}

/**
 * Requires a failure with a well-formed error on stdout (`{code, msg}`), and when `codes` is
 * given, one of those codes.
 */
export function expectError(inv: Invocation, codes?: number | readonly number[], what = label(inv)): CniErrorJson {
  ensure(!inv.timedOut, `${what} timed out`);
  ensure(inv.code !== 0, `${what} succeeded (${outputOf(inv)}) but should have failed${codes === undefined ? '' : ` with code ${[codes].flat().join(' or ')}`}`);
  const e = inv.json as Partial<CniErrorJson> | undefined;
  ensure(typeof e === 'object' && e !== null && !Array.isArray(e), `${what} failed without an error JSON on stdout (${outputOf(inv)})`);
  ensure(Number.isInteger(e.code), `${what} error has no integer "code": ${clip(inv.stdout)}`);
  ensure(typeof e.msg === 'string' && e.msg !== '', `${what} error has no "msg": ${clip(inv.stdout)}`);
  if (codes !== undefined) {
    const list = [codes].flat();
    ensure(list.includes(e.code as number), `${what} failed with code ${e.code} (${clip(e.msg as string, 160)}), expected ${list.join(' or ')}`);
  }
  return e as CniErrorJson;
}

/** Structural equality for JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}
