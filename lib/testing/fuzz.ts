import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { isCniError } from '../cni/errors.ts';

// Shared pieces of the property-based fuzz tests (*.fuzz.test.ts): how many runs, how a run's
// outcome is judged, and the generators of hostile input. The property of every decoder and
// config parser is the same: any input gives a value or the module's declared error, never a
// TypeError from a missing check, a stack overflow or a hang.
//
// A long run (no time budget, every property FUZZ_RUNS times; FUZZ_SLOW_MS on a loaded machine):
//   FUZZ_RUNS=10000 FUZZ_SUMMARY=/tmp/fuzz.tsv npx vitest run --project unit --testTimeout=0 $(git ls-files '*.fuzz.test.ts')

/**
 * Runs per property: the test's default, or FUZZ_RUNS for a long run (`FUZZ_RUNS=100000`).
 * The defaults keep the whole fuzz set within the unit tests' time budget.
 */
export function fuzzRuns(defaultRuns: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

/** A single run slower than this is a hang in the making (a regex or a loop gone quadratic). */
const SLOW_RUN_MS = Number(process.env.FUZZ_SLOW_MS) || 4000;

let casesRun = 0;

/** Cases run by this test file so far (each vitest file runs in its own module graph). */
export function fuzzCasesRun(): number {
  return casesRun;
}

/**
 * Prints how many cases a file ran and, with FUZZ_SUMMARY=<file>, appends `<name>\t<count>`
 * there, so a long run can add them up. Call from afterAll.
 */
export function reportFuzzCases(name: string): void {
  console.log(`fuzz: ${name}: ${casesRun} cases`);
  if (process.env.FUZZ_SUMMARY) appendFileSync(process.env.FUZZ_SUMMARY, `${name}\t${casesRun}\n`);
}

function timed<A extends unknown[], R>(predicate: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    const start = performance.now();
    const out = predicate(...args);
    const ms = performance.now() - start;
    if (ms > SLOW_RUN_MS) throw new Error(`one run took ${Math.round(ms)} ms (limit ${SLOW_RUN_MS} ms): a hang in the making`);
    return out;
  };
}

/**
 * fc.assert for a synchronous property, counting its runs. Every run is timed (see
 * SLOW_RUN_MS), and the whole property stops after a time budget so a slow machine still fits
 * the unit tests' time; the runs done are what is counted.
 */
export function checkProperty<Ts extends [unknown, ...unknown[]]>(
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => void,
  defaultRuns: number,
  params: fc.Parameters<Ts> = {},
): void {
  const property = (fc.property as unknown as (...a: unknown[]) => fc.IProperty<Ts>)(...arbitraries, timed(predicate));
  const details = fc.check(property, { ...runParams<Ts>(defaultRuns), ...params });
  casesRun += details.numRuns;
  if (details.failed) throw failure(details);
}

/**
 * As checkProperty, for an async predicate; each run also gets `timeoutMs`. `budgetMs` false
 * runs every case (a test that must cover its numRuns, such as the executables').
 */
export async function checkAsyncProperty<Ts extends [unknown, ...unknown[]]>(
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => Promise<void>,
  defaultRuns: number,
  options: { timeoutMs?: number; budget?: boolean } = {},
): Promise<void> {
  const property = (fc.asyncProperty as unknown as (...a: unknown[]) => fc.IAsyncProperty<Ts>)(...arbitraries, predicate);
  const params = options.budget === false ? { numRuns: fuzzRuns(defaultRuns) } : runParams<Ts>(defaultRuns);
  const details = await fc.check(property, { ...params, timeout: options.timeoutMs ?? 20_000 });
  casesRun += details.numRuns;
  if (details.failed) throw failure(details);
}

/** fast-check's report with the counterexample's own error, which the report leaves out. */
function failure<Ts>(details: fc.RunDetails<Ts>): Error {
  const cause = details.errorInstance;
  const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\nGot ${why.slice(0, 2000)}`, { cause });
}

/** numRuns, and a per-property wall-clock budget unless FUZZ_RUNS asks for a long run. */
function runParams<Ts>(defaultRuns: number): fc.Parameters<Ts> {
  const numRuns = fuzzRuns(defaultRuns);
  if (process.env.FUZZ_RUNS) return { numRuns };
  return { numRuns, interruptAfterTimeLimit: Number(process.env.FUZZ_BUDGET_MS) || 2000 };
}

/** The spec's error codes (lib/cni/errors.ts). */
export const SPEC_CODES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7, 11, 50, 51, 999]);

/** An error check: true when `e` is an outcome the module declares. */
export type Declared = (e: unknown) => boolean;

/** A CniError with one of `codes` (a spec code, by default any). */
export function cniErrorWith(...codes: number[]): Declared {
  return (e) => isCniError(e) && (codes.length === 0 ? SPEC_CODES.has(e.code) : codes.includes(e.code));
}

/** An instance of one of the given classes, whose message is not empty. */
export function instanceOfAny(...classes: (abstract new (...args: never[]) => Error)[]): Declared {
  return (e) => classes.some((c) => e instanceof c) && (e as Error).message !== '';
}

/**
 * Runs `fn`; an error `declared` accepts counts as an outcome, anything else is rethrown so
 * fast-check reports it with its counterexample.
 * @returns the value, or the declared error
 */
export function outcome<T>(fn: () => T, declared: Declared): { value: T } | { error: unknown } {
  try {
    return { value: fn() };
  } catch (e) {
    if (declared(e)) return { error: e };
    throw e;
  }
}

// ---------- generators ----------

/** Text a parser may choke on: NaN-like words, path tricks, controls, unicode, long strings. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '', ' ', 'NaN', '-NaN', 'Infinity', '-Infinity', '-0', '1e309', '0x10', '1_000', 'true', 'null', 'undefined',
    '__proto__', 'constructor', 'toString', '\0', 'a\0b', '\n', '\u2028', '\ufeff', '..', '.', '/', '../../etc/passwd',
    'a/b', '$(reboot)', '`id`', ';', '😀', 'ñ', 'İ', '\u202e', 'ｅｔｈ０', '%s%n', '\\', '"',
  ),
  fc.nat({ max: 20_000 }).map((n) => 'x'.repeat(n)),
);

/** Addresses and prefixes that look almost right. */
export const badCidr: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '10.0.0.0/99', '::ffff:1.2.3.4/200', '::ffff:1.2.3.4/120', '::ffff:10.1.0.0/112', 'fe80::1%eth0/64', 'fe80::1%eth0',
    '10.0.0.1/-1', '10.0.0.1/', '/24', '10.0.0.256/24', '1.2.3.4/24/5', '10.0.0.0/08', ' 10.0.0.0/24', '10.0.0.0/24 ',
    '１０.0.0.0/8', '1::2::3/64', '::/0', '0.0.0.0/0', '255.255.255.255/32', '10.1.0.0/33', '2001:db8::/129',
    '2001:db8::/1e2', '10.0.0.0/0x18', '1.2.3/24', '01.2.3.4/24', '10.0.0.0/+8', '10.0.0.0/ 8', '::ffff:1.2.3.4',
    '::1.2.3.4/96', '2001:db8::1/64%eth0', '10.1.0.1/32', '10.1.0.0/31', '2001:db8::/128', '10.1.0.0/16',
  ),
  fc.tuple(fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.ipV6()), fc.integer({ min: -3, max: 300 })).map(([ip, p]) => `${ip}/${p}`),
  fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.ipV6()),
);

/** Numbers JSON can carry that a range check may miss. */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, 4094, 4095, 65535, 65536),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A value nested `depth` levels deep in arrays and objects. */
export function nested(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
}

/** Any JSON value, plus the nasty leaves above and nesting up to 50 levels. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  nastyString,
  badCidr,
  nastyNumber,
  fc.constantFrom(null, true, false, [], {}, [null], { '': null }),
  // objects JSON.parse makes that break String() and templates: own toString/valueOf that are not functions, an own __proto__
  fc.constantFrom({ toString: 0 }, { valueOf: 0, toString: 0 }, { toJSON: 1 }, JSON.parse('{"__proto__":{"polluted":1}}') as unknown),
  fc.jsonValue({ maxDepth: 3 }),
  fc.tuple(fc.integer({ min: 1, max: 50 }), fc.jsonValue({ maxDepth: 1 })).map(([d, leaf]) => nested(d, leaf)),
);

type Path = readonly (string | number)[];

function paths(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function setAt(root: unknown, path: Path, change: (old: unknown) => unknown): unknown {
  if (path.length === 0) {
    const v = change(root);
    return v === DELETE ? null : v;
  }
  const [head, ...rest] = path as [string | number, ...Path];
  const copy = (Array.isArray(root) ? [...(root as unknown[])] : { ...(root as object) }) as Record<string | number, unknown>;
  const v = rest.length === 0 ? change(copy[head]) : setAt(copy[head], rest, change);
  if (v !== DELETE) copy[head] = v;
  else if (Array.isArray(copy)) copy.splice(head as number, 1);
  else delete copy[head];
  return copy;
}

const DELETE = Symbol('delete');

/** One edit of a structure: which node (by index into its paths), and what happens to it. */
const mutation = fc.tuple(
  fc.nat(),
  fc.oneof(
    { weight: 6, arbitrary: nastyValue.map((v) => () => v) },
    { weight: 1, arbitrary: fc.constant(() => DELETE) },
    { weight: 1, arbitrary: fc.constant((old: unknown) => [old]) },
    { weight: 1, arbitrary: fc.constant((old: unknown) => ({ value: old })) },
    { weight: 1, arbitrary: fc.constant((old: unknown) => (typeof old === 'number' ? String(old) : typeof old === 'string' && old !== '' && !Number.isNaN(Number(old)) ? Number(old) : old)) },
  ),
);

/**
 * A valid structure with 1-4 of its nodes replaced by nasty values, deleted, wrapped in an
 * array or object, or turned from number to string and back: the configs a typo, an old
 * runtime or a hostile user writes.
 */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([v, edits]) => {
    let out = structuredClone(v);
    for (const [at, change] of edits) {
      const all = paths(out);
      const path = all[at % all.length] as Path;
      out = setAt(out, path, change);
    }
    return out;
  });
}
