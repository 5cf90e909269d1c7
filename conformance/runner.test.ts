import { describe, expect, it } from 'vitest';
import { classify, expandChecks, expectedFailureFor, gate, summarize, type DirFacts, type Facts, type PluginFacts } from './runner.ts';
import { PLUGIN_NAMES, type Check, type CheckResult, type PluginName } from './types.ts';

function dir(path: string, over: Partial<Record<PluginName, Partial<PluginFacts>>> = {}): DirFacts {
  const p = (name: PluginName): PluginFacts => ({ present: true, impl: 'other', versions: ['0.3.1', '0.4.0', '1.0.0', '1.1.0'], ...over[name] });
  return { dir: path, plugins: Object.fromEntries(PLUGIN_NAMES.map((n) => [n, p(n)])) as Record<PluginName, PluginFacts> };
}

function facts(over: Partial<Facts> = {}): Facts {
  return { root: true, tools: new Set(['socat', 'ss', 'ping', 'iptables', 'nft']), plugins: dir('/p'), reference: dir('/r'), requirePlugins: false, ...over };
}

function check(over: Partial<Check> = {}): Check {
  return { id: 'x/y', title: 't', plugins: ['bridge', 'host-local'], requires: ['root'], run: async () => {}, ...over };
}

describe('expandChecks', () => {
  it('makes one instance per version and filters by id and by plugins', () => {
    const checks = [check({ id: 'a/v', versions: ['0.4.0', '1.0.0'] }), check({ id: 'b/once', plugins: ['loopback'] })];
    expect(expandChecks(checks).map((i) => i.id)).toEqual(['a/v@0.4.0', 'a/v@1.0.0', 'b/once']);
    expect(expandChecks(checks, ['@1.0.0']).map((i) => i.id)).toEqual(['a/v@1.0.0']);
    expect(expandChecks(checks, [], ['loopback']).map((i) => i.id)).toEqual(['b/once']);
  });
});

describe('gate', () => {
  it('runs an unversioned check at the highest version every plugin involved advertises', () => {
    const f = facts({ plugins: dir('/p', { 'host-local': { versions: ['0.4.0', '1.0.0'] } }) });
    expect(gate({ check: check(), id: 'x/y', version: undefined }, f)).toEqual({ kind: 'run', version: '1.0.0' });
  });
  it('skips a version a plugin does not advertise, naming it', () => {
    const g = gate({ check: check(), id: 'x/y@0.1.0', version: '0.1.0' }, facts());
    expect(g).toEqual({ kind: 'skip', reason: expect.stringContaining('bridge does not advertise 0.1.0') });
  });
  it('runs every version when VERSION failed, so a broken plugin fails instead of skipping', () => {
    const f = facts({ plugins: dir('/p', { bridge: { versions: undefined } }) });
    expect(gate({ check: check(), id: 'x', version: '0.1.0' }, f)).toEqual({ kind: 'skip', reason: expect.stringContaining('host-local') });
    const all = facts({ plugins: dir('/p', { bridge: { versions: undefined }, 'host-local': { versions: undefined } }) });
    expect(gate({ check: check(), id: 'x', version: '0.1.0' }, all)).toEqual({ kind: 'run', version: '0.1.0' });
    expect(gate({ check: check(), id: 'x', version: undefined }, all)).toEqual({ kind: 'run', version: '1.1.0' });
  });
  it('skips without root, a tool, a plugin or a reference directory; fails a missing plugin on request', () => {
    const inst = { check: check({ requires: ['root', 'socat'] }), id: 'x', version: undefined };
    expect(gate(inst, facts({ root: false })).kind).toBe('skip');
    expect(gate(inst, facts({ tools: new Set() }))).toEqual({ kind: 'skip', reason: 'needs socat, which is not installed' });
    const missing = facts({ plugins: dir('/p', { bridge: { present: false } }) });
    expect(gate(inst, missing)).toEqual({ kind: 'skip', reason: 'no bridge executable in /p' });
    expect(gate(inst, { ...missing, requirePlugins: true })).toEqual({ kind: 'fail', reason: 'no bridge executable in /p' });
    const interop = { check: check({ refPlugins: ['portmap'] }), id: 'i', version: undefined };
    expect(gate(interop, facts({ reference: undefined })).kind).toBe('skip');
  });
});

describe('expectedFailureFor and classify', () => {
  const ef = { impl: 'go', issue: 'plugins#1', why: 'w', versions: ['0.4.0'] } as const;
  const c = check({ expectedFailures: [ef] });
  it('applies only to the named implementation and versions', () => {
    const go = facts({ plugins: dir('/p', { bridge: { impl: 'go' } }) });
    expect(expectedFailureFor(c, '0.4.0', go)).toBe(ef);
    expect(expectedFailureFor(c, '1.0.0', go)).toBeUndefined();
    expect(expectedFailureFor(c, '0.4.0', facts())).toBeUndefined();
  });
  it('turns outcomes into statuses', () => {
    expect([classify('pass', undefined), classify('fail', undefined), classify('skip', ef)]).toEqual(['PASS', 'FAIL', 'SKIP']);
    expect([classify('pass', ef), classify('fail', ef)]).toEqual(['XPASS', 'XFAIL']);
  });
  it('summarize counts each status', () => {
    const r = (status: CheckResult['status']): CheckResult => ({ id: status, title: '', status, ms: 0 });
    expect(summarize([r('PASS'), r('PASS'), r('FAIL'), r('SKIP'), r('XFAIL'), r('XPASS')])).toEqual({ total: 6, passed: 2, failed: 1, skipped: 1, xfail: 1, xpass: 1 });
  });
});

describe('runSuite', () => {
  it('runs checks without root or plugins, classifies outcomes, and needs no onResult callback', async () => {
    const { runSuite } = await import('./runner.ts');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const empty = mkdtempSync(join(tmpdir(), 'cnits-conf-unit-'));
    const mk = (id: string, run: Check['run'], extra: Partial<Check> = {}): Check => ({ id, title: id, plugins: [], run, ...extra });
    const checks = [
      mk('t/pass', async () => {}),
      mk('t/fail', async () => {
        throw new Error('boom');
      }),
      mk('t/skip', async (ctx) => ctx.skip('nope')),
      mk('t/missing', async () => {}, { plugins: ['bridge'] }),
      mk('t/slow', () => new Promise(() => {}), { timeoutMs: 50 }),
    ];
    const report = await runSuite(checks, { plugins: empty, jobs: 2 });
    expect(report.results.map((r) => [r.id, r.status, r.reason])).toEqual([
      ['t/pass', 'PASS', undefined],
      ['t/fail', 'FAIL', 'Error: boom'],
      ['t/skip', 'SKIP', 'nope'],
      ['t/missing', 'SKIP', `no bridge executable in ${empty}`],
      ['t/slow', 'FAIL', 'Error: timed out after 50 ms'],
    ]);
    rmSync(empty, { recursive: true, force: true });
  });
});
