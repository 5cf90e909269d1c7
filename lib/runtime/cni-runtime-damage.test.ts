import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createExec } from '../invoke/index.ts';
import { encodeCacheEntry } from './cache-format.ts';
import { CniRuntime, type RuntimeConf } from './cni-runtime.ts';
import { type NetworkConfigList, networkConfFromBytes } from './conf.ts';
import { buildNoop, readRequests, writeDebug } from './test-fixtures.ts';

// DEL with a cache entry that is damaged, another attachment's, or planted by someone else:
// it goes on without prevResult, names the damage through onWarning, and never follows a link.

let root: string;
let bin: string;
let cacheDir: string;
let dbg: string;
let runtime: CniRuntime;
let warnings: string[];

const RESULT_A = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/test' }], ips: [{ address: '10.1.0.5/16', interface: 0 }] };
const rt: RuntimeConf = { containerId: 'ctr1', netns: '/var/run/netns/test', ifname: 'eth0' };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cnits-runtime-damage-'));
  bin = mkdtempSync(join(root, 'bin-'));
  await buildNoop(bin, ['noop-a', 'noop-b', 'noop-c']);
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeEach(() => {
  const work = mkdtempSync(join(root, 'case-'));
  cacheDir = join(work, 'cache');
  dbg = join(work, 'debug.json');
  writeDebug(dbg);
  warnings = [];
  runtime = new CniRuntime({ pluginPaths: [bin], cacheDir, exec: createExec({ stderr: false }), env: { PATH: process.env.PATH }, onWarning: (m) => warnings.push(m) });
});

const abc = (v: string): NetworkConfigList =>
  networkConfFromBytes(Buffer.from(JSON.stringify({ cniVersion: v, name: 'net', plugins: ['noop-a', 'noop-b', 'noop-c'].map((type) => ({ type, debugFile: dbg })) })));
const calls = () => readRequests(dbg);
const cacheFile = (): string => join(cacheDir, 'results', 'net-ctr1-eth0');
function seedCache(result: Record<string, unknown>): void {
  mkdirSync(join(cacheDir, 'results'), { recursive: true });
  writeFileSync(cacheFile(), encodeCacheEntry({ containerId: 'ctr1', config: Buffer.from('{}'), ifName: 'eth0', networkName: 'net', result }));
}

describe('delNetworkList with a damaged or planted cache entry', () => {
  it.each([
    ['an empty cache file', '', /the file is empty/],
    ['a truncated cache file', '{"kind":"cniCacheV1","result":{"cni', /not JSON/],
    ['garbage', '\u0000\u00ff', /not JSON/],
    ['a cache file of the wrong shape', '"a string"', /not a JSON object/],
    ['a cache file naming another container inside', encodeCacheEntry({ containerId: 'ctr9', config: Buffer.from('{}'), ifName: 'eth0', networkName: 'net', result: { cniVersion: '1.0.0' } }), /belongs to network "net", container "ctr9"/],
    ['a result that cannot be converted', encodeCacheEntry({ containerId: 'ctr1', config: Buffer.from('{}'), ifName: 'eth0', networkName: 'net', result: { cniVersion: '9.0.0' } }), /unsupported result version/],
  ])('goes on without prevResult after %s, names the damage and deletes it', async (_name, content, why) => {
    seedCache({});
    writeFileSync(cacheFile(), content);
    await runtime.delNetworkList(abc('1.0.0'), rt);
    expect(calls().map((c) => [c.type, 'prevResult' in c.conf])).toEqual([
      ['noop-c', false],
      ['noop-b', false],
      ['noop-a', false],
    ]);
    expect(() => statSync(cacheFile())).toThrow();
    expect(warnings).toEqual([expect.stringMatching(why)]);
    expect(warnings[0]).toMatch(/; DEL goes on without prevResult$/);
  });

  it('goes on without prevResult past a symlink planted as the cache entry, removing the link but not its target', async () => {
    seedCache({});
    const target = join(cacheDir, 'target');
    writeFileSync(target, encodeCacheEntry({ containerId: 'ctr1', config: Buffer.from('{}'), ifName: 'eth0', networkName: 'net', result: RESULT_A }));
    rmSync(cacheFile());
    symlinkSync(target, cacheFile());
    await runtime.delNetworkList(abc('1.0.0'), rt);
    expect(calls().map((c) => 'prevResult' in c.conf)).toEqual([false, false, false]);
    expect(() => lstatSync(cacheFile())).toThrow();
    expect(statSync(target).isFile()).toBe(true);
    expect(warnings).toEqual([expect.stringContaining(`${cacheFile()} is a symlink where a file was expected`)]);
  });

  it('succeeds past a directory planted as the cache entry, reporting that it stays', async () => {
    mkdirSync(cacheFile(), { recursive: true });
    await runtime.delNetworkList(abc('1.0.0'), rt);
    expect(calls()).toHaveLength(3);
    expect(warnings).toEqual([expect.stringContaining('is a directory where a file was expected'), expect.stringMatching(/failed to remove cache file .* is a directory/)]);
  });

  it('removes its container lock file after a DEL that succeeded', async () => {
    await runtime.addNetworkList(abc('1.0.0'), rt);
    expect(readdirSync(join(cacheDir, 'locks', 'net')).sort()).toEqual(['.gate', '.network', 'ctr1']);
    await runtime.delNetworkList(abc('1.0.0'), rt);
    expect(readdirSync(join(cacheDir, 'locks', 'net')).sort()).toEqual(['.gate', '.network']);
  });

});
