import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ipToString } from '../addr/index.ts';
import { allocate, releaseAttachment } from './allocator.ts';
import { withDiskStore } from './with-disk-store.ts';
import { INDEX_FILE } from './index-cache.ts';
import { canonicalizeRangeSet } from './range-set.ts';
import type { Attachment } from '../core/index.ts';
import type { Store } from './store.ts';
import { collectGarbage } from './usage.ts';

const NET = canonicalizeRangeSet([{ subnet: '10.1.0.0/24' }], 't');
const V6 = canonicalizeRangeSet([{ subnet: '2001:db8::/64' }], 't');
const A: Attachment = { containerId: 'ctr-a', ifname: 'eth0' };
const B: Attachment = { containerId: 'ctr-b', ifname: 'eth0' };

let dataDir: string;
let dir: string;
const loc = (): { network: string; dataDir: string } => ({ network: 'net1', dataDir });
const withStore = <T>(fn: (s: Store) => T, opts = {}): T => withDiskStore(loc(), fn, opts);
const add = (owner: Attachment, sets = [NET]): string[] =>
  withStore((s) => allocate(s, sets, { owner, requested: [] }).map((a) => ipToString(a.ip)));
const del = (owner: Attachment): string[] => withStore((s) => releaseAttachment(s, owner), { create: false, retryStale: true });
const names = (): string[] => readdirSync(dir).sort();
const mode = (p: string): number => statSync(p).mode & 0o777;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cnits-hl-disk-'));
  dir = join(dataDir, 'net1');
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('withDiskStore: the Go on-disk format', () => {
  it('writes <ip> = "<id>\\r\\n<ifname>", last_reserved_ip.<i> without newline, lock; modes 0700/0600', () => {
    expect(add(A, [NET, V6])).toEqual(['10.1.0.2', '2001:db8::2']);
    expect(readFileSync(join(dir, '10.1.0.2'), 'latin1')).toBe('ctr-a\r\neth0');
    expect(readFileSync(join(dir, '2001:db8::2'), 'latin1')).toBe('ctr-a\r\neth0');
    expect(readFileSync(join(dir, 'last_reserved_ip.0'), 'latin1')).toBe('10.1.0.2');
    expect(readFileSync(join(dir, 'last_reserved_ip.1'), 'latin1')).toBe('2001:db8::2');
    expect(names()).toEqual([INDEX_FILE, '10.1.0.2', '2001:db8::2', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    expect(mode(dir)).toBe(0o700);
    for (const f of ['10.1.0.2', '2001:db8::2', 'last_reserved_ip.0', 'lock']) expect(mode(join(dir, f))).toBe(0o600);
    // Each reservation is its own inode: the temporary link is gone.
    expect(statSync(join(dir, '10.1.0.2')).nlink).toBe(1);
    expect(statSync(join(dir, '2001:db8::2')).nlink).toBe(1);
  });

  it('does not create anything for DEL of an unknown container on a new network', () => {
    expect(del(A)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('treats a name taken behind its back as taken (exclusive create), keeping the file', () => {
    add(A);
    writeFileSync(join(dir, '10.1.0.3'), 'foreign\r\neth0');
    expect(add(B)).toEqual(['10.1.0.4']);
    expect(readFileSync(join(dir, '10.1.0.3'), 'latin1')).toBe('foreign\r\neth0');
  });
});

describe('withDiskStore: legacy and damaged files', () => {
  beforeEach(() => mkdirSync(dir, { recursive: true }));

  it('reads and releases legacy files holding only the container ID', () => {
    writeFileSync(join(dir, '10.1.0.2'), 'ctr-a');
    expect(withStore((s) => s.entries().get('10.1.0.2'))).toEqual({ containerId: 'ctr-a' });
    expect(() => add(A)).toThrow(/10.1.0.2 has been allocated to ctr-a/);
    expect(del(A)).toEqual(['10.1.0.2']);
    expect(existsSync(join(dir, '10.1.0.2'))).toBe(false);
  });

  it('lets neither empty, truncated nor corrupt files stop ADD, DEL or GC', () => {
    writeFileSync(join(dir, '10.1.0.2'), ''); // a crash of the Go plugin between create and write
    writeFileSync(join(dir, '10.1.0.3'), Buffer.from([0xff, 0x00, 0x0d, 0x20, 0x41]));
    writeFileSync(join(dir, '10.1.0.4'), 'ctr-b\r\n'); // truncated: reads as legacy "ctr-b"
    writeFileSync(join(dir, 'last_reserved_ip.0'), 'garbage');
    expect(add(A)).toEqual(['10.1.0.5']);
    expect(del(A)).toEqual(['10.1.0.5']);
    expect(del(B)).toEqual(['10.1.0.4']);
    const gc = withStore((s) => collectGarbage(s, []), { rescan: true });
    expect([...gc.released].sort()).toEqual(['10.1.0.2', '10.1.0.3']);
  });

  it('GC never touches lock, last_reserved_ip.*, the cache or other non-IP files', () => {
    add(A);
    writeFileSync(join(dir, 'README'), 'hello');
    const gc = withStore((s) => collectGarbage(s, []), { rescan: true });
    expect(gc).toEqual({ released: ['10.1.0.2'], errors: [] });
    expect(names()).toEqual([INDEX_FILE, 'README', 'last_reserved_ip.0', 'lock']);
  });

  it('removes temporary files older than a minute and keeps young ones', () => {
    writeFileSync(join(dir, '.tmp-1-old'), 'ctr-x\r\neth0');
    writeFileSync(join(dir, '.tmp-2-young'), 'ctr-y\r\neth0');
    const past = Date.now() / 1000 - 120;
    utimesSync(join(dir, '.tmp-1-old'), past, past);
    expect(add(A)).toEqual(['10.1.0.2']);
    expect(names()).toEqual([INDEX_FILE, '.tmp-2-young', '10.1.0.2', 'last_reserved_ip.0', 'lock']);
    expect(withStore((s) => [...s.entries().keys()])).toEqual(['10.1.0.2']);
  });

  it('removes a young temporary file at once when the process named in it has exited (killed mid-ADD)', () => {
    const gone = 4_194_304 + 1; // above the largest pid_max: no such process
    writeFileSync(join(dir, `.tmp-${gone}-killed`), 'ctr-z\r\neth0');
    writeFileSync(join(dir, `.tmp-${process.pid}-mine`), 'ctr-m\r\neth0');
    expect(add(A)).toEqual(['10.1.0.2']);
    expect(names()).toEqual([INDEX_FILE, `.tmp-${process.pid}-mine`, '10.1.0.2', 'last_reserved_ip.0', 'lock']);
  });
});

describe('withDiskStore: the owner cache', () => {
  it('serves lookups from the cache while the directory is unchanged', () => {
    add(A);
    // Rewrite a reservation in place (no directory change): the cache still answers.
    writeFileSync(join(dir, '10.1.0.2'), 'ctr-z\r\neth0');
    expect(withStore((s) => s.entries().get('10.1.0.2'))).toEqual({ containerId: 'ctr-a', ifname: 'eth0' });
  });

  it('keeps the journal bounded by compacting, and it always matches the files', () => {
    for (let i = 0; i < 5; i++) add({ containerId: `keep${i}`, ifname: 'eth0' });
    for (let i = 0; i < 60; i++) {
      add({ containerId: `c${i}`, ifname: 'eth0' });
      del({ containerId: `c${i}`, ifname: 'eth0' });
      const lines = readFileSync(join(dir, INDEX_FILE), 'latin1').split('\n').length - 2;
      expect(lines).toBeLessThanOrEqual(6 + 32);
    }
    const cached = withStore((s) => new Map(s.entries()));
    const scanned = withStore((s) => new Map(s.entries()), { rescan: true });
    expect(cached).toEqual(scanned);
    expect(cached.size).toBe(5);
  });

  it('rebuilds the cache after any change made by someone else', () => {
    add(A);
    writeFileSync(join(dir, '10.1.0.9'), 'ctr-go\r\neth0'); // e.g. the Go plugin reserving
    expect(withStore((s) => s.entries().get('10.1.0.9'))).toEqual({ containerId: 'ctr-go', ifname: 'eth0' });
    expect(() => add({ containerId: 'ctr-go', ifname: 'eth0' })).toThrow(/10.1.0.9 has been allocated to ctr-go/);
  });

  it('does not release a file whose holder changed, and finds the real one after a rescan', () => {
    add(A);
    add(B);
    writeFileSync(join(dir, '10.1.0.2'), 'ctr-b\r\neth1'); // in place: the cache goes stale
    expect(del(A)).toEqual([]); // the file no longer names A
    expect(readFileSync(join(dir, '10.1.0.2'), 'latin1')).toBe('ctr-b\r\neth1');
    // The retry reread the files, so the rebuilt cache tells the truth.
    expect(withStore((s) => s.entries().get('10.1.0.2'))).toEqual({ containerId: 'ctr-b', ifname: 'eth1' });
    expect(del({ containerId: 'ctr-b', ifname: 'eth1' })).toEqual(['10.1.0.2']);
  });

  it('drops the cache when a reservation turns up that it missed (a change within one clock tick)', () => {
    add(A);
    const stampUs = Number(readFileSync(join(dir, INDEX_FILE), 'latin1').split('\n')[0]!.trim().split(' ')[5]);
    writeFileSync(join(dir, '10.1.0.3'), 'ctr-x\r\neth0');
    utimesSync(dir, stampUs / 1e6, stampUs / 1e6); // as if the mtime had not moved
    expect(add(B)).toEqual(['10.1.0.4']); // link(2) met EEXIST on .3 and moved on
    expect(existsSync(join(dir, INDEX_FILE))).toBe(false);
    expect(withStore((s) => s.entries().get('10.1.0.3'))).toEqual({ containerId: 'ctr-x', ifname: 'eth0' });
  });

  it('retries a DEL that met a stale cache on freshly read files', () => {
    add(A);
    add({ containerId: 'ctr-c', ifname: 'eth0' });
    // Swap holders in place: the cache now points A at the wrong file.
    writeFileSync(join(dir, '10.1.0.2'), 'ctr-b\r\neth0');
    writeFileSync(join(dir, '10.1.0.3'), 'ctr-a\r\neth0');
    expect(del(A)).toEqual(['10.1.0.3']);
    expect(readFileSync(join(dir, '10.1.0.2'), 'latin1')).toBe('ctr-b\r\neth0');
  });
});
