import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CniError } from '../cni/index.ts';
import { PluginNotFoundError, createExec } from '../invoke/index.ts';
import { encodeCacheEntry } from './cache-format.ts';
import { CniRuntime, type RuntimeConf } from './cni-runtime.ts';
import { type NetworkConfigList, networkConfFromBytes, networkConfigFromBytes } from './conf.ts';
import { CacheError, MultiError, NetworkPluginError } from './errors.ts';
import { buildNoop, readRequests, writeDebug } from './test-fixtures.ts';

let root: string;
let bin: string;
let cacheDir: string;
let dbg: string;
let runtime: CniRuntime;
let warnings: string[];

const RESULT_A = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/test' }], ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 0 }] };
const rt: RuntimeConf = {
  containerId: 'ctr1',
  netns: '/var/run/netns/test',
  ifname: 'eth0',
  args: [
    ['FOO', 'bar'],
    ['K', 'v'],
  ],
  capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], mac: '0a:00:00:00:00:01' },
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cnits-runtime-'));
  bin = mkdtempSync(join(root, 'bin-'));
  await buildNoop(bin, ['noop-a', 'noop-b', 'noop-c', 'noop-old', 'noop-pre']);
  // Copies with their own behaviour for VERSION (which carries no CNI_ARGS): sidecar debug files.
  writeDebug(join(bin, 'noop-old.debug.json'), { reportVersionSupport: ['0.1.0', '0.2.0', '0.3.0', '0.3.1'] });
  writeDebug(join(bin, 'noop-pre.debug.json'), { overrides: [{ command: 'VERSION', reportError: { code: 4, msg: 'unknown CNI_COMMAND: VERSION' } }] });
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeEach(() => {
  const work = mkdtempSync(join(root, 'case-'));
  cacheDir = join(work, 'cache');
  dbg = join(work, 'debug.json');
  writeDebug(dbg);
  warnings = [];
  runtime = new CniRuntime({
    pluginPaths: ['/nonexistent', bin],
    cacheDir,
    exec: createExec({ stderr: false }),
    env: { PATH: process.env.PATH },
    onWarning: (m) => warnings.push(m),
  });
});

function list(cniVersion: string, plugins: Record<string, unknown>[], extra: Record<string, unknown> = {}): NetworkConfigList {
  return networkConfFromBytes(Buffer.from(JSON.stringify({ cniVersion, name: 'net', ...extra, plugins: plugins.map((p) => ({ debugFile: dbg, ...p })) })));
}
const abc = (v: string, extra: Record<string, unknown> = {}) =>
  list(v, [{ type: 'noop-a', capabilities: { portMappings: true, mac: false }, foo: 1 }, { type: 'noop-b' }, { type: 'noop-c', capabilities: { mac: true } }], extra);

function debug(instructions: Record<string, unknown>): void {
  writeDebug(dbg, instructions);
}
function calls() {
  return readRequests(dbg);
}
function cacheFile(containerId = 'ctr1', ifname = 'eth0', network = 'net'): string {
  return join(cacheDir, 'results', `${network}-${containerId}-${ifname}`);
}
function seedCache(result: Record<string, unknown>, overrides: Record<string, unknown> = {}): void {
  const file = cacheFile((overrides.containerId as string) ?? 'ctr1', (overrides.ifName as string) ?? 'eth0', (overrides.networkName as string) ?? 'net');
  rmSync(file, { force: true });
  const entry = { containerId: 'ctr1', config: Buffer.from('{}'), ifName: 'eth0', networkName: 'net', result, ...overrides };
  mkdirSync(join(cacheDir, 'results'), { recursive: true });
  writeFileSync(file, encodeCacheEntry(entry as Parameters<typeof encodeCacheEntry>[0]));
}

const ENV = (command: string) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'ctr1',
  CNI_NETNS: '/var/run/netns/test',
  CNI_ARGS: 'FOO=bar;K=v',
  CNI_IFNAME: 'eth0',
  CNI_PATH: `/nonexistent:${bin}`,
});

describe('addNetworkList', () => {
  it('runs the plugins in order, chaining prevResult as-is, filtering capabilities, and caches the final result', async () => {
    debug({ overrides: [{ type: 'noop-a', reportResult: RESULT_A }, { type: 'noop-c', reportResult: '{"ips":[{"address":"10.9.9.9/8"}]}' }] });
    const l = abc('1.0.0');
    const result = await runtime.addNetworkList(l, rt);
    expect(result).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.9.9.9/8' }] });

    const [a, b, c, ...more] = calls();
    expect(more).toEqual([]);
    expect(a?.conf).toEqual({
      debugFile: dbg,
      type: 'noop-a',
      capabilities: { portMappings: true, mac: false },
      foo: 1,
      name: 'net',
      cniVersion: '1.0.0',
      runtimeConfig: { portMappings: rt.capabilityArgs?.portMappings },
    });
    expect(b?.conf).toEqual({ debugFile: dbg, type: 'noop-b', name: 'net', cniVersion: '1.0.0', prevResult: RESULT_A });
    // noop-b echoed its prevResult through skel; noop-c gets exactly what noop-b printed
    expect(c?.conf).toEqual({
      debugFile: dbg,
      type: 'noop-c',
      capabilities: { mac: true },
      name: 'net',
      cniVersion: '1.0.0',
      prevResult: RESULT_A,
      runtimeConfig: { mac: '0a:00:00:00:00:01' },
    });
    for (const call of [a, b, c]) expect(call?.env).toEqual(ENV('ADD'));

    // the cache entry, in libcni's format, with the result as printed (version filled in)
    expect(readFileSync(cacheFile(), 'utf8')).toBe(
      encodeCacheEntry({
        containerId: 'ctr1',
        config: l.bytes,
        ifName: 'eth0',
        networkName: 'net',
        netns: '/var/run/netns/test',
        cniArgs: rt.args,
        capabilityArgs: rt.capabilityArgs,
        result: { ips: [{ address: '10.9.9.9/8' }], cniVersion: '1.0.0' },
      }),
    );
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
  });

  it('stops at the first failure, naming plugin and network and keeping the code, and caches nothing', async () => {
    debug({ overrides: [{ type: 'noop-b', command: 'ADD', reportError: { code: 11, msg: 'busy', details: 'try later' } }] });
    const err = await runtime.addNetworkList(abc('1.1.0'), rt).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkPluginError);
    expect(err).toMatchObject({ code: 11, msg: 'plugin type="noop-b" name="net" failed (add): busy', details: 'try later', pluginType: 'noop-b', operation: 'add' });
    expect(calls().map((c) => c.type)).toEqual(['noop-a', 'noop-b']);
    expect(() => statSync(cacheFile())).toThrow();
  });

  it.each([
    ['an invalid container ID', { containerId: 'bad id' }, 4],
    ['an invalid interface name', { ifname: 'much-too-long-name0' }, 4],
  ])('validates %s before running any plugin', async (_name, change, code) => {
    await expect(runtime.addNetworkList(abc('1.0.0'), { ...rt, ...change })).rejects.toMatchObject({ code });
    expect(calls()).toEqual([]);
  });

  it('fails with code 999 when a plugin is not found', async () => {
    const err = await runtime.addNetworkList(list('1.0.0', [{ type: 'missing' }]), rt).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 999, operation: 'add' });
    expect((err as Error).cause).toBeInstanceOf(PluginNotFoundError);
  });
});

describe('delNetworkList', () => {
  it('runs the plugins in reverse order, each with the cached result converted to the list version, then removes the cache', async () => {
    seedCache(RESULT_A);
    await runtime.delNetworkList(abc('0.4.0'), rt);
    const prev040 = { cniVersion: '0.4.0', interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/test' }], ips: [{ version: '4', address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 0 }] };
    const cs = calls();
    expect(cs.map((c) => c.type)).toEqual(['noop-c', 'noop-b', 'noop-a']);
    for (const c of cs) {
      expect(c.conf.prevResult).toEqual(prev040);
      expect(c.conf.cniVersion).toBe('0.4.0');
      expect(c.env).toEqual(ENV('DEL'));
    }
    expect(cs[2]?.conf.runtimeConfig).toEqual({ portMappings: rt.capabilityArgs?.portMappings });
    expect(() => statSync(cacheFile())).toThrow();
  });

  it('sends no prevResult below 0.4.0, and still removes the cache', async () => {
    seedCache(RESULT_A);
    await runtime.delNetworkList(abc('0.3.1'), rt);
    expect(calls().map((c) => 'prevResult' in c.conf)).toEqual([false, false, false]);
    expect(() => statSync(cacheFile())).toThrow();
  });

  it.each([
    ['an empty cache file', ''],
    ['a truncated cache file', '{"kind":"cniCacheV1","result":{"cni'],
  ])('goes on without prevResult after %s, and deletes it (more in cni-runtime-damage.test.ts)', async (_name, content) => {
    seedCache({});
    writeFileSync(cacheFile(), content);
    await runtime.delNetworkList(abc('1.0.0'), rt);
    expect(calls().map((c) => 'prevResult' in c.conf)).toEqual([false, false, false]);
    expect(() => statSync(cacheFile())).toThrow();
    expect(warnings).toEqual([expect.stringMatching(/; DEL goes on without prevResult$/)]);
  });

  it('stops at the first failure and keeps the cache', async () => {
    seedCache(RESULT_A);
    debug({ overrides: [{ type: 'noop-b', reportError: { code: 7, msg: 'nope' } }] });
    await expect(runtime.delNetworkList(abc('1.0.0'), rt)).rejects.toMatchObject({ code: 7, msg: 'plugin type="noop-b" name="net" failed (delete): nope' });
    expect(calls().map((c) => c.type)).toEqual(['noop-c', 'noop-b']);
    expect(statSync(cacheFile()).isFile()).toBe(true);
  });
});

describe('checkNetworkList', () => {
  it('runs the plugins in order with the cached result', async () => {
    seedCache(RESULT_A);
    await runtime.checkNetworkList(abc('1.0.0'), rt);
    expect(calls().map((c) => [c.type, c.command, c.conf.prevResult])).toEqual([
      ['noop-a', 'CHECK', RESULT_A],
      ['noop-b', 'CHECK', RESULT_A],
      ['noop-c', 'CHECK', RESULT_A],
    ]);
    expect(statSync(cacheFile()).isFile()).toBe(true);
  });

  it('refuses lists below 0.4.0', async () => {
    const err = await runtime.checkNetworkList(abc('0.3.1'), rt).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect(err).toMatchObject({ code: 1, message: 'configuration version "0.3.1" does not support the CHECK command' });
  });

  it('does nothing when disableCheck is set', async () => {
    await runtime.checkNetworkList(abc('1.0.0', { disableCheck: 'true' }), rt);
    expect(calls()).toEqual([]);
  });

  it('fails on an unusable cache entry without running plugins, and stops at the first failing plugin', async () => {
    seedCache({});
    writeFileSync(cacheFile(), '');
    await expect(runtime.checkNetworkList(abc('1.0.0'), rt)).rejects.toBeInstanceOf(CacheError);
    expect(calls()).toEqual([]);
    seedCache(RESULT_A);
    debug({ overrides: [{ type: 'noop-a', reportError: { code: 999, msg: 'link gone' } }] });
    await expect(runtime.checkNetworkList(abc('1.0.0'), rt)).rejects.toMatchObject({ msg: 'plugin type="noop-a" name="net" failed (check): link gone' });
    expect(calls()).toHaveLength(1);
  });
});

describe('gcNetworkList', () => {
  function seedAttachments(): void {
    seedCache(RESULT_A, { containerId: 'keep', netns: '/ns/keep' });
    seedCache(RESULT_A, {
      containerId: 'stale',
      ifName: 'net1',
      netns: '/ns/stale',
      cniArgs: [['X', 'y']],
      capabilityArgs: { mac: 'cached-mac' },
      config: Buffer.from(JSON.stringify({ cniVersion: '1.1.0', name: 'net', plugins: [{ type: 'noop-c', capabilities: { mac: true }, debugFile: dbg }] })),
    });
    seedCache(RESULT_A, { containerId: 'other-net', networkName: 'other' });
  }

  it('DELs stale attachments with their cached arguments and config, then GCs every plugin in order', async () => {
    seedAttachments();
    await runtime.gcNetworkList(list('1.1.0', [{ type: 'noop-a' }, { type: 'noop-b' }]), { validAttachments: [{ containerId: 'keep', ifname: 'eth0' }] });
    const [del, gcA, gcB, ...rest] = calls();
    expect(rest).toEqual([]);
    // the stale attachment was added with a config holding only noop-c: DEL goes there
    expect(del?.type).toBe('noop-c');
    expect(del?.env).toEqual({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'stale', CNI_NETNS: '/ns/stale', CNI_ARGS: 'X=y', CNI_IFNAME: 'net1', CNI_PATH: `/nonexistent:${bin}` });
    expect(del?.conf.runtimeConfig).toEqual({ mac: 'cached-mac' });
    expect(del?.conf.prevResult).toEqual({ ...RESULT_A, cniVersion: '1.1.0' }); // in the cached list's version
    const valid = [{ containerID: 'keep', ifname: 'eth0' }];
    for (const [call, type] of [
      [gcA, 'noop-a'],
      [gcB, 'noop-b'],
    ] as const) {
      expect(call?.conf).toEqual({ type, debugFile: dbg, name: 'net', cniVersion: '1.1.0', 'cni.dev/valid-attachments': valid, 'cni.dev/attachments': valid });
      expect(call?.env).toEqual({ CNI_COMMAND: 'GC', CNI_CONTAINERID: '', CNI_NETNS: '', CNI_ARGS: '', CNI_IFNAME: '', CNI_PATH: `/nonexistent:${bin}` });
    }
    expect(() => statSync(cacheFile('stale', 'net1'))).toThrow();
    expect(statSync(cacheFile('keep')).isFile()).toBe(true);
    expect(statSync(cacheFile('other-net', 'eth0', 'other')).isFile()).toBe(true);
  });

  it('without valid attachments, DELs every cached attachment of the network and sends GC without the keys', async () => {
    seedAttachments();
    await runtime.gcNetworkList(list('1.1.0', [{ type: 'noop-a' }]));
    const cs = calls();
    expect(cs.map((c) => [c.command, c.type, c.env.CNI_CONTAINERID])).toEqual([
      ['DEL', 'noop-a', 'keep'], // cached config is '{}': the current list is used
      ['DEL', 'noop-c', 'stale'],
      ['GC', 'noop-a', ''],
    ]);
    expect(Object.keys(cs[2]?.conf ?? {}).filter((k) => k.startsWith('cni.dev/'))).toEqual([]);
  });

  it('keeps going after failures and reports them all', async () => {
    seedAttachments();
    debug({ overrides: [{ command: 'DEL', reportError: { code: 7, msg: 'del failed' } }, { command: 'GC', type: 'noop-a', reportError: { code: 999, msg: 'gc failed' } }] });
    const err = await runtime.gcNetworkList(list('1.1.0', [{ type: 'noop-a' }, { type: 'noop-b' }]), { validAttachments: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MultiError);
    const messages = (err as MultiError).errors.map((e: Error) => e.message);
    expect(messages).toEqual([
      'failed to delete stale attachment keep eth0: plugin type="noop-b" name="net" failed (delete): del failed',
      'failed to delete stale attachment stale net1: plugin type="noop-c" name="net" failed (delete): del failed',
      'plugin type="noop-a" name="net" failed (gc): gc failed',
    ]);
    expect((err as Error).message).toContain('GC of network "net" failed:\n  1) failed to delete stale attachment keep eth0');
    expect(calls().map((c) => [c.command, c.type])).toEqual([
      ['DEL', 'noop-b'],
      ['DEL', 'noop-c'],
      ['GC', 'noop-a'],
      ['GC', 'noop-b'],
    ]);
  });

  it('does nothing with disableGC, and sends no GC below 1.1.0 (but still DELs stale attachments)', async () => {
    seedAttachments();
    await runtime.gcNetworkList(list('1.1.0', [{ type: 'noop-a' }], { disableGC: true }), { validAttachments: [] });
    expect(calls()).toEqual([]);
    await runtime.gcNetworkList(list('1.0.0', [{ type: 'noop-a' }]), { validAttachments: [{ containerId: 'stale', ifname: 'net1' }] });
    expect(calls().map((c) => [c.command, c.env.CNI_CONTAINERID])).toEqual([['DEL', 'keep']]);
  });
});

describe('getStatusNetworkList', () => {
  it('is a no-op below 1.1.0', async () => {
    await runtime.getStatusNetworkList(abc('1.0.0'));
    expect(calls()).toEqual([]);
  });

  it('asks every plugin in order with only name and cniVersion injected, stopping at the first failure', async () => {
    await runtime.getStatusNetworkList(abc('1.1.0'));
    const cs = calls();
    expect(cs.map((c) => c.type)).toEqual(['noop-a', 'noop-b', 'noop-c']);
    expect(cs[0]?.conf).toEqual({ debugFile: dbg, type: 'noop-a', capabilities: { portMappings: true, mac: false }, foo: 1, name: 'net', cniVersion: '1.1.0' });
    expect(cs[0]?.env).toEqual({ CNI_COMMAND: 'STATUS', CNI_CONTAINERID: '', CNI_NETNS: '', CNI_ARGS: '', CNI_IFNAME: '', CNI_PATH: `/nonexistent:${bin}` });
    debug({ overrides: [{ type: 'noop-b', reportError: { code: 50, msg: 'no IPs left' } }] });
    await expect(runtime.getStatusNetworkList(abc('1.1.0'))).rejects.toMatchObject({ code: 50, operation: 'status' });
    expect(calls().map((c) => c.type)).toEqual(['noop-a', 'noop-b']);
  });
});

describe('validateNetworkList and getVersionInfo', () => {
  it('returns the union of enabled capabilities when every plugin supports the version', async () => {
    expect(await runtime.validateNetworkList(abc('1.1.0'))).toEqual(['portMappings', 'mac']);
  });

  it('collects every problem: missing plugin, version not supported exactly', async () => {
    const l = list('1.0.0', [{ type: 'noop-a' }, { type: 'missing' }, { type: 'noop-old' }, { type: 'noop-pre' }]);
    const err = await runtime.validateNetworkList(l).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MultiError);
    expect((err as MultiError).errors.map((e: Error) => e.message)).toEqual([
      `failed to find plugin "missing" in path [/nonexistent ${bin}]`,
      'plugin type="noop-old" does not support config version "1.0.0": it supports [0.1.0 0.2.0 0.3.0 0.3.1]',
      'plugin type="noop-pre" does not support config version "1.0.0": it supports [0.1.0]',
    ]);
  });

  it('getVersionInfo asks the plugin', async () => {
    expect(await runtime.getVersionInfo('noop-old')).toEqual({ cniVersion: '1.1.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1'] });
    expect(await runtime.getVersionInfo('noop-pre')).toEqual({ cniVersion: '0.1.0', supportedVersions: ['0.1.0'] });
  });
});

describe('single networks and cache access', () => {
  it('addNetwork caches the network bytes; cachedConfig returns them with the cached arguments; delNetwork clears', async () => {
    const net = networkConfigFromBytes(Buffer.from(JSON.stringify({ cniVersion: '0.4.0', name: 'single', type: 'noop-a', debugFile: dbg })));
    const result = await runtime.addNetwork(net, rt);
    expect(result.cniVersion).toBe('0.4.0');
    expect(calls()[0]?.conf).toEqual({ cniVersion: '0.4.0', name: 'single', type: 'noop-a', debugFile: dbg });
    const cached = await runtime.cachedConfig(net, { ...rt, args: undefined, capabilityArgs: undefined });
    expect(cached?.config.equals(net.bytes)).toBe(true);
    expect(cached?.rt).toMatchObject({ containerId: 'ctr1', args: rt.args, capabilityArgs: rt.capabilityArgs });
    expect(await runtime.cachedResult(net, rt)).toEqual(result);
    expect((await runtime.cachedAttachments('ctr1')).map((a) => a.network)).toEqual(['single']);
    await runtime.checkNetwork(net, rt);
    await runtime.delNetwork(net, rt);
    expect(calls().map((c) => [c.command, 'prevResult' in c.conf])).toEqual([
      ['ADD', false],
      ['CHECK', true],
      ['DEL', true],
    ]);
    expect(await runtime.cachedResult(net, rt)).toBeUndefined();
  });
});
