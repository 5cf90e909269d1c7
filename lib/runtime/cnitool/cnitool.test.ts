import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HELP } from './help.ts';
import { buildCnitool, buildNoop, readRequests, writeDebug } from '../test-fixtures.ts';

let root: string;
let bin: string;
let cnitool: string;
let confDir: string;
let cacheDir: string;
let dbg: string;

const NS = '/var/run/netns/cnitool-test';
const ID = `cnitool-${createHash('sha512').update(NS).digest('hex').slice(0, 20)}`;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cnits-cnitool-'));
  bin = join(root, 'bin');
  mkdirSync(bin);
  await buildNoop(bin, ['noop', 'noop2']);
  cnitool = await buildCnitool(root);
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeEach(() => {
  const work = mkdtempSync(join(root, 'case-'));
  confDir = join(work, 'net.d');
  cacheDir = join(work, 'cache');
  dbg = join(work, 'debug.json');
  mkdirSync(confDir);
  writeDebug(dbg);
  writeFileSync(
    join(confDir, '10-net.conflist'),
    JSON.stringify({
      cniVersion: '1.1.0',
      name: 'net',
      plugins: [
        { type: 'noop', debugFile: dbg, capabilities: { portMappings: true } },
        { type: 'noop2', debugFile: dbg },
      ],
    }),
  );
});

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cnitool, args, {
    env: { PATH: process.env.PATH ?? '', NETCONFPATH: confDir, CNI_PATH: bin, CNI_CACHE_DIR: cacheDir, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cnitool (bundled, against the noop plugin)', () => {
  it('add prints the result as 4-space JSON like Go, using the derived container ID, CNI_ARGS and CAP_ARGS', () => {
    const r = run(['add', 'net', NS], { CNI_ARGS: 'FOO=bar', CAP_ARGS: '{"portMappings":[{"hostPort":80}],"mac":"x"}' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result.cniVersion).toBe('1.1.0');
    expect(r.stdout).toBe(`${JSON.stringify(result, null, 4)}\n`);
    const [first, second] = readRequests(dbg);
    expect(first?.env).toMatchObject({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: ID, CNI_NETNS: NS, CNI_IFNAME: 'eth0', CNI_ARGS: 'FOO=bar', CNI_PATH: bin });
    expect(first?.conf.runtimeConfig).toEqual({ portMappings: [{ hostPort: 80 }] });
    expect(second?.conf.prevResult).toEqual(result);
    const cached = JSON.parse(readFileSync(join(cacheDir, 'results', `net-${ID}-eth0`), 'utf8')) as Record<string, unknown>;
    expect(cached).toMatchObject({ kind: 'cniCacheV1', containerId: ID, ifName: 'eth0', networkName: 'net', netns: NS, cniArgs: [['FOO', 'bar']] });
  });

  it('check and del find the attachment again; -i and CNI_IFNAME choose the interface', () => {
    expect(run(['add', 'net', NS, '-i', 'net1']).code).toBe(0);
    expect(run(['check', 'net', NS], { CNI_IFNAME: 'net1' })).toMatchObject({ code: 0, stdout: '' });
    expect(run(['del', '--ifname', 'net1', 'net', NS])).toMatchObject({ code: 0, stdout: '' });
    const calls = readRequests(dbg);
    expect(calls.map((c) => [c.command, c.type, c.env.CNI_IFNAME, 'prevResult' in c.conf])).toEqual([
      ['ADD', 'noop', 'net1', false],
      ['ADD', 'noop2', 'net1', true],
      ['CHECK', 'noop', 'net1', true],
      ['CHECK', 'noop2', 'net1', true],
      ['DEL', 'noop2', 'net1', true],
      ['DEL', 'noop', 'net1', true],
    ]);
  });

  it('gc DELs every cached attachment of the network and sends GC; status runs STATUS', () => {
    expect(run(['add', 'net', NS]).code).toBe(0);
    expect(run(['gc', 'net', NS])).toMatchObject({ code: 0, stdout: '' });
    expect(run(['status', 'net', '--human'])).toMatchObject({ code: 0, stdout: 'network "net": ready\n' });
    expect(readRequests(dbg).map((c) => c.command)).toEqual(['ADD', 'ADD', 'DEL', 'DEL', 'GC', 'GC', 'STATUS', 'STATUS']);
  });

  it('exits 1 with the plugin error on stderr', () => {
    writeDebug(dbg, { overrides: [{ type: 'noop2', reportError: { code: 11, msg: 'locked', details: 'try again' } }] });
    const r = run(['add', 'net', NS]);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('cnitool add: plugin type="noop2" name="net" failed (add): locked: try again (CNI error code 11)\n');
  });

  it.each([
    [['add', 'net'], 2, 'cnitool: add needs <network> <netns>; missing <netns>\nRun "cnitool --help" for usage.\n'],
    [['frobnicate'], 2, 'cnitool: unknown command "frobnicate"\nRun "cnitool --help" for usage.\n'],
    [['add', 'missing', NS], 1, /^cnitool add: no net configuration with name "missing" in /],
  ])('reports %j with exit %d', (args, code, stderr) => {
    const r = run(args);
    expect(r.code).toBe(code);
    if (typeof stderr === 'string') expect(r.stderr).toBe(stderr);
    else expect(r.stderr).toMatch(stderr);
  });

  it('rejects malformed CNI_ARGS and CAP_ARGS before running any plugin', () => {
    expect(run(['add', 'net', NS], { CNI_ARGS: 'FOO=' })).toMatchObject({ code: 2, stderr: expect.stringContaining('invalid CNI_ARGS pair "FOO="') });
    expect(run(['add', 'net', NS], { CAP_ARGS: '[]' }).code).toBe(2);
    expect(readRequests(dbg)).toEqual([]);
  });

  it('list, validate and version report in human and JSON form', () => {
    writeFileSync(join(confDir, '20-bad.conflist'), '{');
    const list = run(['list']);
    expect(list.code).toBe(0);
    const [line1, line2, ...rest] = list.stdout.split('\n');
    expect(line1).toBe(`net\t1.1.0\tnoop,noop2\t${join(confDir, '10-net.conflist')}`);
    expect(line2?.startsWith(`${join(confDir, '20-bad.conflist')}: error: `)).toBe(true);
    expect(line2).toContain('error parsing configuration list: ');
    expect(rest).toEqual(['']);
    expect(JSON.parse(run(['list', '--json']).stdout)[0]).toEqual({ name: 'net', cniVersion: '1.1.0', plugins: ['noop', 'noop2'], file: join(confDir, '10-net.conflist') });
    expect(run(['validate', 'net'])).toMatchObject({ code: 0, stdout: 'network "net" is valid at version 1.1.0: plugins noop, noop2; capabilities: portMappings\n' });
    expect(JSON.parse(run(['validate', 'net', '--json']).stdout)).toEqual({ name: 'net', cniVersion: '1.1.0', plugins: ['noop', 'noop2'], capabilities: ['portMappings'] });
    expect(run(['version']).stdout).toBe('cnitool (cni-ts): CNI spec 1.1.0; supports 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n');
    expect(JSON.parse(run(['version', 'noop', '--json']).stdout)).toEqual({ noop: { cniVersion: '1.1.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] } });
  });

  it('prints the help with --help (exit 0) and without a command (exit 2, on stderr)', () => {
    expect(run(['--help'])).toMatchObject({ code: 0, stdout: HELP });
    expect(run([])).toMatchObject({ code: 2, stderr: HELP, stdout: '' });
  });

  it('del and gc go on past a garbage and a planted cache entry, naming each on stderr', () => {
    const results = join(cacheDir, 'results');
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, `net-${ID}-eth0`), '{"kind":"cniCacheV1","conta');
    const del = run(['del', 'net', NS]);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stderr).toMatch(new RegExp(`cnitool: warning: unusable cached result of network "net" \\(container ${ID}, eth0\\): it is not JSON.*; DEL goes on without prevResult`));
    expect(readRequests(dbg).map((c) => c.type)).toEqual(['noop2', 'noop']);

    writeFileSync(join(root, 'target'), 'precious');
    symlinkSync(join(root, 'target'), join(results, 'net-other-eth0'));
    const gc = run(['gc', 'net', NS]);
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stderr).toContain(`cnitool: warning: skipping ${join(results, 'net-other-eth0')} is a symlink where a file was expected`);
    expect(readFileSync(join(root, 'target'), 'utf8')).toBe('precious');
  }, 30_000);
});
