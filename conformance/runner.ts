// Runs check instances: expands versioned checks, decides skips up front (missing plugin,
// version not advertised, no root, missing tool), applies the expected-failure list, runs the
// rest with limited parallelism and a time limit, and always cleans up.
import { setMaxListeners } from 'node:events';
import { existsSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isRoot, removeAllNamespaces } from '../lib/testing/index.ts';
import { createContext, SkipSignal } from './context.ts';
import { detectImpl, hasTool, isExecutable, probeVersions } from './probe.ts';
import type { Check, CheckResult, ExpectedFailure, Impl, PluginName, Requirement, Side, Status } from './types.ts';
import { PLUGIN_NAMES } from './types.ts';
import { compareVersions, isSpecVersion, SPEC_VERSIONS, type SpecVersion } from './versions.ts';

/** What the suite learned about one plugin executable. */
export interface PluginFacts {
  readonly present: boolean;
  readonly impl: Impl;
  /** Advertised versions, or undefined when VERSION failed (then no version is skipped). */
  readonly versions: readonly string[] | undefined;
  readonly versionError?: string;
}

/** What the suite learned about one plugin directory. */
export interface DirFacts {
  readonly dir: string;
  readonly plugins: Readonly<Record<PluginName, PluginFacts>>;
}

/** The machine and directory facts that decide skips. */
export interface Facts {
  readonly root: boolean;
  readonly tools: ReadonlySet<Requirement>;
  readonly plugins: DirFacts;
  readonly reference: DirFacts | undefined;
  /** A missing executable fails its checks instead of skipping them. */
  readonly requirePlugins: boolean;
}

/** One runnable instance of a check (a version of a versioned check). */
export interface Instance {
  readonly check: Check;
  readonly id: string;
  readonly version: SpecVersion | undefined;
}

/** Options of {@link runSuite}. */
export interface RunOptions {
  /** The plugin directory under test. */
  plugins: string;
  /** An independent implementation for the interop tier; undefined disables it. */
  reference?: string | undefined;
  /** Run only instances whose id contains one of these strings. */
  filters?: readonly string[];
  /** Run only checks that involve nothing but these plugins. */
  onlyPlugins?: readonly PluginName[];
  /** Checks running at once (default 3). */
  jobs?: number;
  /** Per-check time limit in ms (default 120 s). */
  timeoutMs?: number;
  /** Per-plugin-execution time limit in ms (default 30 s). */
  callTimeoutMs?: number;
  /** Force the implementation kind of the `--plugins` / `--reference` directory. */
  impl?: Impl | undefined;
  referenceImpl?: Impl | undefined;
  requirePlugins?: boolean;
  /** Called once the directories have been probed, before any check runs. */
  onStart?: (facts: Facts, instances: readonly Instance[]) => void;
  /** Called with each result, in instance order. */
  onResult?: (result: CheckResult) => void;
}

/** Counts per status. */
export interface Summary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly xfail: number;
  readonly xpass: number;
}

/** The machine-readable report (`--json`). */
export interface Report {
  readonly suite: 'cni-conformance';
  readonly format: 1;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly node: string;
  readonly plugins: DirFacts;
  readonly reference: DirFacts | null;
  readonly summary: Summary;
  readonly results: readonly CheckResult[];
}

/** Expands versioned checks and applies the id and plugin filters. */
export function expandChecks(checks: readonly Check[], filters: readonly string[] = [], onlyPlugins?: readonly PluginName[]): Instance[] {
  const out: Instance[] = [];
  for (const check of checks) {
    if (onlyPlugins && ![...check.plugins, ...(check.refPlugins ?? [])].every((p) => onlyPlugins.includes(p))) continue;
    const versions = check.versions ?? [undefined];
    for (const version of versions) {
      const id = version === undefined ? check.id : `${check.id}@${version}`;
      if (filters.length > 0 && !filters.some((f) => id.includes(f))) continue;
      out.push({ check, id, version });
    }
  }
  return out;
}

function involved(check: Check): { side: Side; plugin: PluginName }[] {
  return [
    ...check.plugins.map((plugin) => ({ side: 'plugins' as const, plugin })),
    ...(check.refPlugins ?? []).map((plugin) => ({ side: 'reference' as const, plugin })),
  ];
}

/** The decision made before running: a skip, a failure, or the version to run at. */
export type Gate = { kind: 'skip'; reason: string } | { kind: 'fail'; reason: string } | { kind: 'run'; version: SpecVersion };

/** Decides whether and at which version an instance runs. Pure, so it is unit-tested. */
export function gate(inst: Instance, facts: Facts): Gate {
  const { check } = inst;
  for (const req of check.requires ?? []) {
    if (req === 'root' && !facts.root) return { kind: 'skip', reason: 'needs root (network namespaces)' };
    if (req !== 'root' && !facts.tools.has(req)) return { kind: 'skip', reason: `needs ${req}, which is not installed` };
  }
  if ((check.refPlugins ?? []).length > 0 && facts.reference === undefined) {
    return { kind: 'skip', reason: 'needs a --reference directory different from --plugins' };
  }
  for (const { side, plugin } of involved(check)) {
    const dir = side === 'plugins' ? facts.plugins : facts.reference;
    if (!dir?.plugins[plugin].present) {
      const reason = `no ${plugin} executable in ${dir?.dir ?? '(none)'}`;
      return facts.requirePlugins && side === 'plugins' ? { kind: 'fail', reason } : { kind: 'skip', reason };
    }
  }
  let common: SpecVersion[] = [...SPEC_VERSIONS];
  for (const { side, plugin } of involved(check)) {
    const pf = (side === 'plugins' ? facts.plugins : facts.reference)?.plugins[plugin];
    const adv = pf?.versions;
    if (adv === undefined) continue;
    if (inst.version !== undefined && !adv.includes(inst.version)) {
      return { kind: 'skip', reason: `${side === 'reference' ? 'reference ' : ''}${plugin} does not advertise ${inst.version} (supports ${adv.join(', ')})` };
    }
    common = common.filter((v) => adv.includes(v));
  }
  if (inst.version !== undefined) return { kind: 'run', version: inst.version };
  const highest = common.sort(compareVersions).at(-1);
  if (highest === undefined) return { kind: 'skip', reason: 'the plugins involved advertise no common spec version' };
  return { kind: 'run', version: highest };
}

/** The expected failure that applies to this instance, if any. */
export function expectedFailureFor(check: Check, version: SpecVersion | undefined, facts: Facts): ExpectedFailure | undefined {
  for (const ef of check.expectedFailures ?? []) {
    const side = ef.side ?? 'plugins';
    const plugin = ef.plugin ?? (side === 'plugins' ? check.plugins[0] : check.refPlugins?.[0]);
    const dir = side === 'plugins' ? facts.plugins : facts.reference;
    if (plugin === undefined || dir === undefined) continue;
    if (dir.plugins[plugin].impl !== ef.impl) continue;
    if (ef.versions && (version === undefined || !ef.versions.includes(version))) continue;
    return ef;
  }
  return undefined;
}

/** Turns an outcome into a status, given the expected failure that applies. */
export function classify(outcome: 'pass' | 'fail' | 'skip', expected: ExpectedFailure | undefined): Status {
  if (outcome === 'skip') return 'SKIP';
  if (outcome === 'pass') return expected ? 'XPASS' : 'PASS';
  return expected ? 'XFAIL' : 'FAIL';
}

/** Counts results per status. */
export function summarize(results: readonly CheckResult[]): Summary {
  const n = (s: Status): number => results.filter((r) => r.status === s).length;
  return { total: results.length, passed: n('PASS'), failed: n('FAIL'), skipped: n('SKIP'), xfail: n('XFAIL'), xpass: n('XPASS') };
}

/** Probes a plugin directory: presence, implementation kind and advertised versions. */
export async function probeDir(dir: string, implOverride?: Impl): Promise<DirFacts> {
  const entries = await Promise.all(
    PLUGIN_NAMES.map(async (name): Promise<[PluginName, PluginFacts]> => {
      const bin = join(dir, name);
      if (!isExecutable(bin)) return [name, { present: false, impl: implOverride ?? 'other', versions: undefined }];
      const v = await probeVersions(bin);
      const facts: PluginFacts = {
        present: true,
        impl: implOverride ?? detectImpl(bin),
        versions: v.versions?.filter(isSpecVersion) ?? undefined,
        ...(v.error !== undefined ? { versionError: v.error } : {}),
      };
      return [name, facts];
    }),
  );
  return { dir, plugins: Object.fromEntries(entries) as Record<PluginName, PluginFacts> };
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** Gathers the facts of a run. */
export async function gatherFacts(options: RunOptions): Promise<Facts> {
  const pluginsDir = resolve(options.plugins);
  const refDir = options.reference !== undefined && existsSync(options.reference) && !sameDir(options.reference, pluginsDir) ? resolve(options.reference) : undefined;
  const tools = new Set<Requirement>();
  for (const t of ['socat', 'ss', 'ping', 'iptables', 'nft'] as const) if (hasTool(t)) tools.add(t);
  const [plugins, reference] = await Promise.all([probeDir(pluginsDir, options.impl), refDir ? probeDir(refDir, options.referenceImpl) : undefined]);
  return { root: isRoot(), tools, plugins, reference, requirePlugins: options.requirePlugins ?? false };
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s;
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

async function runInstance(inst: Instance, facts: Facts, options: RunOptions): Promise<CheckResult> {
  const started = performance.now();
  const base = { id: inst.id, title: inst.check.title, ...(inst.version ? { version: inst.version } : {}) };
  const g = gate(inst, facts);
  if (g.kind === 'skip') return { ...base, status: 'SKIP', reason: g.reason, ms: 0 };
  if (g.kind === 'fail') return { ...base, status: 'FAIL', reason: g.reason, ms: 0 };
  const expected = expectedFailureFor(inst.check, inst.version, facts);
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // parallel ADDs inside one check each listen for the abort
  const limit = inst.check.timeoutMs ?? options.timeoutMs ?? 120_000;
  const handle = createContext({
    id: inst.id,
    version: g.version,
    dirs: { plugins: facts.plugins.dir, reference: facts.reference?.dir },
    advertised: (plugin, side) => (side === 'plugins' ? facts.plugins : facts.reference)?.plugins[plugin].versions,
    signal: controller.signal,
    callTimeoutMs: options.callTimeoutMs ?? 30_000,
  });
  let outcome: 'pass' | 'fail' | 'skip' = 'pass';
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${limit < 1000 ? `${limit} ms` : `${Math.round(limit / 1000)} s`}`));
      }, limit);
    });
    await Promise.race([inst.check.run(handle.ctx), timeout]);
  } catch (err) {
    if (err instanceof SkipSignal) {
      outcome = 'skip';
      error = err.message;
    } else {
      outcome = 'fail';
      error = err instanceof Error ? (err.name === 'CheckFailure' ? err.message : `${err.name}: ${err.message}`) : String(err);
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  const cleanupProblems = await handle.close();
  if (cleanupProblems.length > 0) handle.notes.push(...cleanupProblems);
  const status = classify(outcome, expected);
  const ms = Math.round(performance.now() - started);
  const expectedInfo = expected ? { expected: { issue: expected.issue, why: expected.why } } : {};
  const wantDetails = status === 'FAIL' || status === 'XFAIL';
  return {
    ...base,
    status,
    ...(error !== undefined ? { reason: firstLine(error) } : {}),
    ms,
    ...expectedInfo,
    ...(wantDetails ? { details: { ...(error !== undefined ? { error } : {}), notes: handle.notes, invocations: handle.invocations.slice(-12) } } : {}),
  };
}

/** Runs the checks against a plugin directory and returns the report. */
export async function runSuite(checks: readonly Check[], options: RunOptions): Promise<Report> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const facts = await gatherFacts(options);
  const instances = expandChecks(checks, options.filters, options.onlyPlugins);
  options.onStart?.(facts, instances);
  const results: (CheckResult | undefined)[] = new Array(instances.length);
  let emitted = 0;
  const emit = (): void => {
    while (emitted < results.length && results[emitted] !== undefined) {
      const r = results[emitted] as CheckResult;
      emitted += 1; // outside the optional call, which would skip evaluating its argument
      options.onResult?.(r);
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < instances.length) {
      const i = next++;
      results[i] = await runInstance(instances[i] as Instance, facts, options);
      emit();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 3) }, worker));
  } finally {
    removeAllNamespaces();
  }
  const done = results as CheckResult[];
  return {
    suite: 'cni-conformance',
    format: 1,
    startedAt,
    durationMs: Math.round(performance.now() - t0),
    node: process.version,
    plugins: facts.plugins,
    reference: facts.reference ?? null,
    summary: summarize(done),
    results: done,
  };
}
