import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PluginCall, type TestNamespace, createNamespace, isRoot, removeAllNamespaces, runOurPlugin } from '../lib/testing/index.ts';

// The invocation log (lib/cni/invocation-log.ts, written by skel, appended by lib/sys) through
// the built executables: bridge with our host-local (in process) and loopback, run in a
// throwaway node namespace, logging to files in a temporary directory.

interface LogLine {
  time: string;
  plugin: string;
  command: string;
  network?: string;
  containerId?: string;
  netns?: string;
  ifname?: string;
  durationMs: number;
  outcome: 'ok' | 'error';
  code?: number;
  msg?: string;
  details?: string;
  pid?: number;
  ips?: string[];
}

/** Every line of the file, each parsed on its own (a torn or mixed line fails the test here). */
function lines(file: string): LogLine[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  expect(text === '' || text.endsWith('\n'), 'the file ends with a whole line').toBe(true);
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogLine);
}

describe.skipIf(!isRoot())('invocation log of the built plugins', () => {
  let node: TestNamespace;
  let pod: TestNamespace;
  let dir: string;
  let n = 0;
  const fresh = (): string => join(dir, `log${n++}.jsonl`);

  beforeAll(() => {
    node = createNamespace('log-node');
    pod = createNamespace('log-pod');
    dir = mkdtempSync(join(tmpdir(), 'cnits-log-'));
  });
  afterAll(() => {
    removeAllNamespaces();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const loopback = (extra: Record<string, unknown> = {}) => ({ cniVersion: '1.1.0', name: 'lo-net', type: 'loopback', ...extra });
  const runLoopback = (command: string, config: unknown, more: Partial<PluginCall> = {}) =>
    runOurPlugin('loopback', { command, config, containerId: 'c-lo', netns: pod.path, ifname: 'lo', node, ...more });

  it('logs a bridge + host-local ADD and DEL with the run\'s fields and nothing of the config', async () => {
    const log = fresh();
    const dataDir = join(dir, 'ipam');
    const conf = {
      cniVersion: '1.1.0',
      name: 'lognet',
      type: 'bridge',
      bridge: 'cnitslog0',
      logFile: log,
      ipam: { type: 'host-local', subnet: '10.78.0.0/24', dataDir },
    };
    const before = Date.now();
    const add = await runOurPlugin('bridge', { command: 'ADD', config: conf, containerId: 'ctr-add-1', netns: pod.path, ifname: 'eth0', node });
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const del = await runOurPlugin('bridge', { command: 'DEL', config: conf, containerId: 'ctr-add-1', netns: pod.path, ifname: 'eth0', node });
    expect(del.code, del.stdout + del.stderr).toBe(0);
    const after = Date.now();

    const got = lines(log);
    expect(got.map((l) => l.command)).toEqual(['ADD', 'DEL']); // our host-local ran in process: no line of its own
    for (const l of got) {
      expect(l).toMatchObject({ plugin: 'bridge', network: 'lognet', containerId: 'ctr-add-1', netns: pod.path, ifname: 'eth0', outcome: 'ok' });
      expect(Object.keys(l)).toEqual(['time', 'plugin', 'command', 'network', 'containerId', 'netns', 'ifname', 'durationMs', 'outcome']);
      const t = Date.parse(l.time);
      expect(t).toBeGreaterThanOrEqual(before - 1000);
      expect(t).toBeLessThanOrEqual(after);
      expect(l.durationMs).toBeGreaterThan(0);
    }
    const text = readFileSync(log, 'utf8');
    for (const secretish of ['10.78.0', dataDir, 'cnitslog0', 'ipam']) expect(text).not.toContain(secretish);
    expect(statSync(log).mode & 0o777).toBe(0o600);
  });

  it('logs a bad config as an error line with the code the runtime got, also at level error', async () => {
    const log = fresh();
    const conf = { cniVersion: '1.1.0', name: 'lognet', type: 'bridge', mtu: 'big', logFile: log, logLevel: 'error', ipam: { type: 'host-local', subnet: '10.78.0.0/24' } };
    const r = await runOurPlugin('bridge', { command: 'ADD', config: conf, containerId: 'ctr-bad', netns: pod.path, ifname: 'eth0', node });
    expect(r.code).toBe(1);
    expect(r.json.code).toBe(7);
    const ok = await runLoopback('ADD', loopback({ logFile: log, logLevel: 'error' }));
    expect(ok.code, ok.stdout).toBe(0);
    const got = lines(log);
    expect(got).toHaveLength(1); // the success is not written at level error
    expect(got[0]).toMatchObject({ plugin: 'bridge', command: 'ADD', containerId: 'ctr-bad', outcome: 'error', code: 7, msg: r.json.msg });
  });

  it('refuses a logLevel the schema does not know with code 7, like any key, and still logs the failure', async () => {
    const log = fresh();
    // bridge checks its config against its schema (loopback reads no key of its own)
    const conf = { cniVersion: '1.1.0', name: 'lognet', type: 'bridge', logFile: log, logLevel: 'verbose', ipam: { type: 'host-local', subnet: '10.78.0.0/24' } };
    const r = await runOurPlugin('bridge', { command: 'ADD', config: conf, containerId: 'ctr-level', netns: pod.path, ifname: 'eth0', node });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 7 });
    expect(r.json.msg).toContain('logLevel');
    expect(r.stderr).toContain('invocation log: logLevel "verbose" is not one of error, info, debug');
    expect(lines(log)).toMatchObject([{ plugin: 'bridge', outcome: 'error', code: 7 }]);
  });

  it('keeps 20 concurrent invocations as exactly 20 whole lines', async () => {
    const log = fresh();
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runLoopback(i % 2 ? 'ADD' : 'CHECK', loopback({ logFile: log, logLevel: 'debug' }), { containerId: `par-${i}` })),
    );
    for (const r of runs) expect(r.code, r.stdout + r.stderr).toBe(0);
    const got = lines(log);
    expect(got).toHaveLength(20);
    expect(new Set(got.map((l) => l.containerId))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => `par-${i}`)));
    expect(new Set(got.map((l) => l.pid)).size).toBe(20);
    expect(got.filter((l) => l.command === 'ADD').every((l) => l.ips?.join() === '127.0.0.1/8,::1/128')).toBe(true);
  });

  it('rotates at logMaxBytes under concurrent writers without tearing a line', async () => {
    const log = fresh();
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runLoopback('ADD', loopback({ logFile: log, logLevel: 'debug', logMaxBytes: 4096 }), { containerId: `rot-${i}` })),
    );
    for (const r of runs) expect(r.code, r.stdout + r.stderr).toBe(0);
    const current = lines(log);
    const rotated = lines(`${log}.1`);
    expect(rotated.length).toBeGreaterThan(0); // 20 lines of ~400 bytes do not fit in 4096
    expect(current.length).toBeGreaterThan(0);
    // a rotation that replaced an older .1 drops its lines; none is ever counted twice or torn
    const ids = [...current, ...rotated].map((l) => l.containerId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(statSync(`${log}.1`).size).toBeLessThanOrEqual(4096 + 20 * 600);
  });

  it('does not fail the operation when the log cannot be written: one note on stderr', async () => {
    const aDir = join(dir, 'a-directory');
    mkdirSync(aDir);
    for (const logFile of [aDir, join(dir, 'no-such-dir', 'log')]) {
      const r = await runLoopback('ADD', loopback({ logFile }));
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.json.ips).toHaveLength(2);
      const notes = r.stderr.split('\n').filter((l) => l.includes('invocation log'));
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain(`cannot write the invocation log ${JSON.stringify(logFile)}`);
    }
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });

  it('takes the file from CNI_TS_LOG_FILE, and the config key over it', async () => {
    const fromEnv = fresh();
    const fromConf = fresh();
    const r1 = await runLoopback('ADD', loopback(), { env: { CNI_TS_LOG_FILE: fromEnv } });
    expect(r1.code, r1.stdout).toBe(0);
    const r2 = await runLoopback('DEL', loopback({ logFile: fromConf }), { env: { CNI_TS_LOG_FILE: fromEnv, CNI_TS_LOG_LEVEL: 'debug' } });
    expect(r2.code, r2.stdout).toBe(0);
    expect(lines(fromEnv).map((l) => [l.plugin, l.command, l.outcome])).toEqual([['loopback', 'ADD', 'ok']]);
    const conf = lines(fromConf);
    expect(conf.map((l) => l.command)).toEqual(['DEL']);
    expect(conf[0]?.pid).toEqual(expect.any(Number)); // the level still came from the environment
  });

  it('is off when no file is named, whatever the level', async () => {
    const before = readdirSync(dir).sort();
    const r = await runLoopback('ADD', loopback({ logLevel: 'debug' }), { env: { CNI_TS_LOG_LEVEL: 'debug' } });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stderr).toBe('');
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
