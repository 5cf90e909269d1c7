import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultCache } from './cache.ts';
import { encodeCacheEntry } from './cache-format.ts';

// The cache directory may hold what another process, an old version or an attacker with write
// access put there: a link, fifo or directory where an entry is expected, or a damaged file.

let dir: string;
let results: string;
let warnings: string[];
let cache: ResultCache;
const key = { network: 'net', containerId: 'ctr1', ifname: 'eth0' };
const result = { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] };
const entry = (o: Record<string, unknown> = {}) => ({ containerId: 'ctr1', config: Buffer.from('{}'), ifName: 'eth0', networkName: 'net', result, ...o });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-cache-planted-'));
  results = join(dir, 'cni', 'results');
  mkdirSync(results, { recursive: true, mode: 0o700 });
  warnings = [];
  cache = new ResultCache(join(dir, 'cni'), (m) => warnings.push(m));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = (): string => join(results, 'net-ctr1-eth0');
const plant: Record<string, () => void> = {
  symlink: () => {
    writeFileSync(join(dir, 'target'), encodeCacheEntry(entry()));
    symlinkSync(join(dir, 'target'), file());
  },
  fifo: () => execFileSync('mkfifo', [file()]),
  directory: () => mkdirSync(file()),
};

describe('ResultCache with planted entries', () => {
  it.each(Object.keys(plant))('reads a planted %s as bad, without following or blocking on it', async (kind) => {
    plant[kind]!();
    const read = await cache.readResult(key, '1.0.0');
    expect(read.status).toBe('bad');
    if (read.status === 'bad') expect(read.error.message).toContain(`is a ${kind} where a file was expected`);
    await expect(cache.readEntry(key)).rejects.toThrow(`is a ${kind}`);
  });

  it.each(Object.keys(plant))('skips a planted %s when listing attachments, with a warning', async (kind) => {
    plant[kind]!();
    await cache.write(entry({ containerId: 'ctr2' }));
    expect((await cache.attachments()).map((a) => a.containerId)).toEqual(['ctr2']);
    expect(warnings).toEqual([expect.stringContaining(`${file()} is a ${kind} where a file was expected`)]);
  });

  it('replaces a planted link or fifo on write, never writing through it', async () => {
    plant.symlink!();
    await cache.write(entry({ result: { cniVersion: '1.0.0', ips: [{ address: '10.0.0.9/24' }] } }));
    expect(lstatSync(file()).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe(encodeCacheEntry(entry())); // the target is untouched
    expect(warnings).toEqual([expect.stringContaining('is a symlink where a cache file was expected; replacing the symlink itself')]);
    rmSync(file());
    plant.fifo!();
    await cache.write(entry());
    expect(lstatSync(file()).isFile()).toBe(true);
  });

  it('fails a write over a planted directory, naming it', async () => {
    plant.directory!();
    await expect(cache.write(entry())).rejects.toThrow(`${file()} is a directory where a file was expected`);
    expect(readdirSync(results)).toEqual(['net-ctr1-eth0']); // no temporary file left
  });

  it('removes a planted link itself, and reports a planted directory', async () => {
    plant.symlink!();
    await cache.remove(key);
    expect(readdirSync(results)).toEqual([]);
    expect(statSync(join(dir, 'target')).isFile()).toBe(true);
    plant.directory!();
    await expect(cache.remove(key)).rejects.toThrow('is a directory where a file was expected');
  });

  it('refuses a results directory that is a symbolic link', async () => {
    rmSync(results, { recursive: true });
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), results);
    await expect(cache.write(entry())).rejects.toThrow(`${results} is a symlink where a directory was expected`);
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual([]);
  });
});

describe('ResultCache with damaged entries', () => {
  it.each([
    ['truncated', encodeCacheEntry(entry()).slice(0, 40), /not JSON/],
    ['empty', '', /the file is empty/],
    ['garbage', '\u0000\u00ff garbage', /not JSON/],
    ['of the wrong shape', '[1,2,3]', /not a JSON object/],
    ['another attachment inside', encodeCacheEntry(entry({ containerId: 'ctr9' })), /belongs to network "net", container "ctr9", interface "eth0"/],
  ])('reads a %s file as bad, naming the damage', async (_what, text, why) => {
    writeFileSync(file(), text);
    const read = await cache.readResult(key, '1.0.0');
    expect(read.status).toBe('bad');
    if (read.status === 'bad') expect(read.error.message).toMatch(why);
  });

  it('skips damaged files when listing attachments, naming each', async () => {
    writeFileSync(join(results, 'net-a-eth0'), '');
    writeFileSync(join(results, 'net-b-eth0'), '{"kind":"cniCacheV1",');
    await cache.write(entry());
    expect((await cache.attachments()).map((a) => a.containerId)).toEqual(['ctr1']);
    expect(warnings).toEqual([
      expect.stringMatching(/net-a-eth0, its attachment is unknown: the file is empty/),
      expect.stringMatching(/net-b-eth0, its attachment is unknown: it is not JSON/),
    ]);
  });

  it('replaces a garbage file of the same attachment on ADD', async () => {
    writeFileSync(file(), 'garbage');
    await cache.write(entry());
    expect(await cache.readResult(key, '1.0.0')).toEqual({ status: 'ok', result });
  });
});
