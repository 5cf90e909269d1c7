import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultCache } from './cache.ts';
import { encodeCacheEntry } from './cache-format.ts';
import { CacheError } from './errors.ts';

let dir: string;
let cache: ResultCache;
const key = { network: 'net', containerId: 'ctr1', ifname: 'eth0' };
const result040 = { cniVersion: '0.4.0', ips: [{ version: '4', address: '10.0.0.2/24', gateway: '10.0.0.1' }] };

function entry(overrides: Record<string, unknown> = {}) {
  return { containerId: 'ctr1', config: Buffer.from('{"name":"net"}'), ifName: 'eth0', networkName: 'net', result: result040, ...overrides };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-cache-'));
  cache = new ResultCache(join(dir, 'cni'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ResultCache', () => {
  it('writes <cacheDir>/results/<network>-<containerID>-<ifname> atomically with modes 0700 and 0600', async () => {
    await cache.write(entry({ netns: '/run/netns/x' }));
    const file = join(dir, 'cni', 'results', 'net-ctr1-eth0');
    expect(readFileSync(file, 'utf8')).toBe(encodeCacheEntry(entry({ netns: '/run/netns/x' })));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'cni', 'results')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'cni', 'results'))).toEqual(['net-ctr1-eth0']); // no temp file left
  });

  it('fails the write with a CacheError when the directory cannot be created', async () => {
    writeFileSync(join(dir, 'blocker'), '');
    await expect(new ResultCache(join(dir, 'blocker')).write(entry())).rejects.toBeInstanceOf(CacheError);
  });

  it.each([
    ['0.4.0', result040],
    ['1.0.0', { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1' }] }],
    ['0.2.0', { cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1' } }],
  ])('reads the result converted to %s', async (version, expected) => {
    await cache.write(entry());
    expect(await cache.readResult(key, version)).toEqual({ status: 'ok', result: expected });
  });

  it('reads a pre-v1 cache file holding only the raw result', async () => {
    mkdirSync(join(dir, 'cni', 'results'), { recursive: true });
    writeFileSync(join(dir, 'cni', 'results', 'net-ctr1-eth0'), JSON.stringify(result040));
    expect(await cache.readResult(key, '0.4.0')).toEqual({ status: 'ok', result: result040 });
    await expect(cache.readEntry(key)).rejects.toThrow('pre-v1 cache file');
  });

  it('reports a missing file as missing, and empty, corrupt or unconvertible files as bad', async () => {
    expect(await cache.readResult(key, '1.0.0')).toEqual({ status: 'missing' });
    expect(await cache.readEntry(key)).toBeUndefined();
    mkdirSync(join(dir, 'cni', 'results'), { recursive: true });
    const file = join(dir, 'cni', 'results', 'net-ctr1-eth0');
    for (const [content, why] of [
      ['', /the file is empty/],
      ['{"kind":"cniCacheV1","contai', /not JSON/],
      [encodeCacheEntry(entry({ result: { cniVersion: '7.0.0' } })), /unsupported result version "7.0.0"/],
      [encodeCacheEntry(entry({ result: { cniVersion: '1.0.0' } })), /failed to convert .* to config version "0.2.0": cannot convert: no valid IP addresses/],
    ] as const) {
      writeFileSync(file, content);
      const read = await cache.readResult(key, '0.2.0');
      expect(read.status).toBe('bad');
      if (read.status === 'bad') expect(read.error.message).toMatch(why);
    }
  });

  it('removes idempotently and ignores unusable keys', async () => {
    await cache.write(entry());
    await cache.remove(key);
    await cache.remove(key);
    await cache.remove({ ...key, containerId: '' });
    expect(await cache.readResult(key, '0.4.0')).toEqual({ status: 'missing' });
  });

  it.each([
    { network: 'net', containerId: '', ifname: 'eth0' },
    { network: 'net', containerId: '../../etc', ifname: 'eth0' },
    { network: '..', containerId: 'c', ifname: 'eth0' },
  ])('refuses a path that could escape the cache directory: %j', (bad) => {
    expect(() => cache.pathFor(bad)).toThrow(CacheError);
  });

  it('lists attachments like GetCachedAttachments: sorted, v1 only, complete only, optionally by container', async () => {
    await cache.write(entry({ networkName: 'b-net', containerId: 'ctr2', netns: '/ns2', cniArgs: [['K', 'v']], capabilityArgs: { mac: 'm' } }));
    await cache.write(entry({ networkName: 'a-net' }));
    await cache.write(entry({ networkName: 'a-net', containerId: 'ctr2', ifName: 'net1' }));
    const results = join(dir, 'cni', 'results');
    writeFileSync(join(results, 'legacy-ctr1-eth0'), JSON.stringify(result040)); // pre-v1: skipped
    writeFileSync(join(results, 'broken-ctr1-eth0'), ''); // corrupt: skipped
    writeFileSync(join(results, 'x-ctr1-eth1'), encodeCacheEntry(entry({ networkName: '', ifName: 'eth1' }))); // incomplete: skipped
    // another attachment inside (stricter than libcni): DELing what it names would not remove it
    writeFileSync(join(results, 'y-ctr1-eth2'), encodeCacheEntry(entry({ containerId: 'other', networkName: 'y', ifName: 'eth2' })));

    const all = await cache.attachments();
    expect(all.map((a) => [a.network, a.containerId, a.ifname])).toEqual([
      ['a-net', 'ctr1', 'eth0'],
      ['a-net', 'ctr2', 'net1'],
      ['b-net', 'ctr2', 'eth0'],
    ]);
    expect(all[2]).toMatchObject({ netns: '/ns2', cniArgs: [['K', 'v']], capabilityArgs: { mac: 'm' } });
    expect(all[2]?.config.toString()).toBe('{"name":"net"}');
    // by container: the file name must contain -<id>- and the entry must match
    expect((await cache.attachments('ctr2')).map((a) => a.network)).toEqual(['a-net', 'b-net']);
    expect(await cache.attachments('ctr1')).toHaveLength(1);
    expect(await new ResultCache(join(dir, 'missing')).attachments()).toEqual([]);
  });
});
