// host-local's data directory as another process, an old version or an attacker may leave
// it: damaged reservations (issue 17 item 1), calls that must not write (item "a failed call,
// a CHECK or a DEL of nothing still writes"), planted entries (Deliver 5) and corrupt state
// (Deliver 6). Each runs the shipped executable against a temporary dataDir; host-local
// needs no network namespace for its own work.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PluginCall, type PluginOutcome, runPluginBinary, DIST_BIN } from '../../lib/testing/index.ts';

const HOST_LOCAL = join(DIST_BIN, 'host-local');
let root: string;
let dataDir: string;
let dir: string;
let outside: string;
let seq = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cnits-hl-damage-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  seq += 1;
  dataDir = join(root, `d${seq}`);
  dir = join(dataDir, 'net');
  outside = join(root, `outside${seq}`);
  mkdirSync(outside, { recursive: true });
});

const config = (ipam: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  cniVersion: '1.1.0',
  name: 'net',
  ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.20.0.0/24' }], [{ subnet: '2001:db8:20::/120' }]], ...ipam },
  ...extra,
});

function run(command: string, ctr = 'ctr1', cfg: unknown = config(), call: Partial<PluginCall> = {}): Promise<PluginOutcome> {
  return runPluginBinary(HOST_LOCAL, { command, config: cfg, containerId: ctr, ifname: 'eth0', netns: '/dev/null', ...call });
}

async function ok(command: string, ctr = 'ctr1', cfg: unknown = config()): Promise<PluginOutcome> {
  const out = await run(command, ctr, cfg);
  expect(out.code, `${command} ${ctr}: ${out.stdout}${out.stderr}`).toBe(0);
  return out;
}

const addresses = (out: PluginOutcome): string[] => (out.json?.ips ?? []).map((i: { address: string }) => i.address.split('/')[0]);
const stderrLines = (out: PluginOutcome): string[] => out.stderr.split('\n').filter((l) => l !== '');
const backdate = (path: string, seconds = 120): void => {
  const t = Date.now() / 1000 - seconds;
  utimesSync(path, t, t);
};

/** Every entry under dataDir: kind, inode, nanosecond mtime, mode, size and content. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string): void => {
    const st = lstatSync(p, { bigint: true });
    const content = st.isFile() ? readFileSync(p, 'latin1') : '';
    out[rel] = `${st.mode.toString(8)} ino=${st.ino} mtime=${st.mtimeNs} size=${st.size} ${JSON.stringify(content)}`;
    if (st.isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n), `${rel}/${n}`);
  };
  walk(dataDir, '.');
  return out;
}

/** Makes the owner cache stale the way a Go plugin or an operator does: a change to the directory. */
function touchDirectory(): void {
  writeFileSync(join(dir, 'x'), '');
  unlinkSync(join(dir, 'x'));
}

describe('calls that change nothing write nothing', () => {
  it.each([
    ['with a fresh cache', false],
    ['with a cache made stale by someone else', true],
  ])('CHECK, DEL of nothing, GC of nothing and failed ADDs leave every file as it was (%s)', async (_label, stale) => {
    const first = await ok('ADD', 'ctr1');
    await ok('ADD', 'ctr2');
    await ok('DEL', 'ctr2'); // so the cache holds a journal, not just a snapshot
    if (stale) touchDirectory();
    const before = snapshot();
    const prev = { cniVersion: '1.1.0', ips: addresses(first).map((a) => ({ address: `${a}/24` })) };
    prev.ips[1] = { address: `${addresses(first)[1]}/120` };
    await ok('CHECK', 'ctr1', config({}, { prevResult: prev }));
    expect((await run('CHECK', 'nobody')).code).not.toBe(0);
    await ok('DEL', 'nobody');
    await ok('GC', 'x', config({}, { 'cni.dev/valid-attachments': [{ containerID: 'ctr1', ifname: 'eth0' }] }));
    await ok('STATUS');
    // Duplicate attachment, requested address taken, second range set exhausted after the first reserved.
    expect((await run('ADD', 'ctr1')).code).not.toBe(0);
    expect((await run('ADD', 'ctr3', config(), { args: `IP=${addresses(first)[0]}` })).code).not.toBe(0);
    const full = config({ ranges: [[{ subnet: '10.20.0.0/24' }], [{ subnet: '2001:db8:20::/120', rangeStart: '2001:db8:20::2', rangeEnd: '2001:db8:20::2' }]] });
    expect((await run('ADD', 'ctr4', full)).code).not.toBe(0);
    expect(snapshot()).toEqual(before);
  });
});

describe('damaged reservation files (empty, garbage, oversized)', () => {
  beforeEach(async () => {
    await ok('ADD', 'ctr1');
  });

  it.each([
    ['empty', ''],
    ['garbage', '\u0000\u0000\u0000\u0000'],
    ['binary', Buffer.from([0xff, 0xfe, 0x0d, 0x0a, 0x41]).toString('latin1')],
    ['oversized', 'x'.repeat(5000)],
  ])('DEL releases an %s reservation file older than a minute and names it on stderr', async (_label, content) => {
    const path = join(dir, '10.20.0.77');
    writeFileSync(path, content, 'latin1');
    backdate(path);
    const out = await ok('DEL', 'someone-else');
    expect(existsSync(path)).toBe(false);
    expect(stderrLines(out).filter((l) => l.includes(path))).toHaveLength(1);
    expect(existsSync(join(dir, '10.20.0.2'))).toBe(true); // ctr1's reservation is untouched
  });

  it('leaves a damaged file younger than a minute (an ADD may be writing it), naming it', async () => {
    const path = join(dir, '10.20.0.77');
    writeFileSync(path, '');
    const out = await ok('DEL', 'someone-else');
    expect(existsSync(path)).toBe(true);
    expect(out.stderr).toContain(path);
  });

  it('ADD reclaims an old damaged file when it needs the address', async () => {
    const small = config({ ranges: [[{ subnet: '10.21.0.0/30' }]] });
    const net = join(dataDir, 'net');
    for (const f of readdirSync(net)) if (/^\d/.test(f) || f.startsWith('last')) unlinkSync(join(net, f));
    writeFileSync(join(net, '10.21.0.2'), '');
    backdate(join(net, '10.21.0.2'));
    const out = await ok('ADD', 'ctr9', small);
    expect(addresses(out)).toEqual(['10.21.0.2']);
    expect(readFileSync(join(net, '10.21.0.2'), 'latin1')).toBe('ctr9\r\neth0');
    expect(out.stderr).toContain(join(net, '10.21.0.2'));
  });

  it('GC releases damaged files whatever their age', async () => {
    writeFileSync(join(dir, '10.20.0.77'), '');
    await ok('GC', 'x', config({}, { 'cni.dev/valid-attachments': [{ containerID: 'ctr1', ifname: 'eth0' }] }));
    expect(existsSync(join(dir, '10.20.0.77'))).toBe(false);
    expect(existsSync(join(dir, '10.20.0.2'))).toBe(true);
  });
});

describe('planted entries in the network directory', () => {
  it('creates the network directory 0700', async () => {
    await ok('ADD');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['a symlink', (p: string) => symlinkSync(join(outside, 'target'), p)],
    ['a fifo', (p: string) => execFileSync('mkfifo', [p])],
    ['a directory', (p: string) => mkdirSync(p)],
  ])('a reservation name that is %s: not followed, address skipped, named; DEL and GC leave it', async (_label, plant) => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(outside, 'target'), 'ctr1\r\neth0');
    plant(join(dir, '10.20.0.2'));
    const add = await ok('ADD', 'ctr1');
    expect(addresses(add)[0]).toBe('10.20.0.3');
    expect(add.stderr).toContain(join(dir, '10.20.0.2'));
    const del = await ok('DEL', 'ctr1'); // the target names ctr1: a followed link would be "released"
    expect(del.stderr).toContain(join(dir, '10.20.0.2'));
    const gc = await ok('GC', 'x', config({}, { 'cni.dev/valid-attachments': [] }));
    expect(gc.stderr).toContain(join(dir, '10.20.0.2'));
    expect(existsSync(join(outside, 'target'))).toBe(true);
    expect(readFileSync(join(outside, 'target'), 'latin1')).toBe('ctr1\r\neth0');
    expect(lstatSync(join(dir, '10.20.0.2')).isFile()).toBe(false); // still there, still not a file
  });

  it('a symlink or fifo at last_reserved_ip.0 is neither followed nor written through', async () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(outside, 'victim'), 'precious');
    symlinkSync(join(outside, 'victim'), join(dir, 'last_reserved_ip.0'));
    execFileSync('mkfifo', [join(dir, 'last_reserved_ip.1')]);
    const out = await ok('ADD', 'ctr1');
    expect(addresses(out)).toEqual(['10.20.0.2', '2001:db8:20::2']);
    expect(readFileSync(join(outside, 'victim'), 'latin1')).toBe('precious');
    expect(stderrLines(out).filter((l) => l.includes('last_reserved_ip.'))).toHaveLength(2);
    await ok('DEL', 'ctr1');
  });

  it.each([
    ['a symlink', (p: string) => symlinkSync(join(outside, 'victim'), p)],
    ['a fifo', (p: string) => execFileSync('mkfifo', [p])],
    ['a directory', (p: string) => mkdirSync(p)],
  ])('the owner cache being %s: not read, not written through, named; ADD and DEL work', async (_label, plant) => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(outside, 'victim'), 'precious');
    plant(join(dir, '.cni-ts-index'));
    const a = await ok('ADD', 'ctr1');
    const b = await ok('ADD', 'ctr2');
    expect([...addresses(a), ...addresses(b)]).toEqual(['10.20.0.2', '2001:db8:20::2', '10.20.0.3', '2001:db8:20::3']);
    expect(a.stderr).toContain(join(dir, '.cni-ts-index'));
    await ok('DEL', 'ctr1');
    expect(existsSync(join(dir, '10.20.0.2'))).toBe(false);
    expect(readFileSync(join(outside, 'victim'), 'latin1')).toBe('precious');
  });

  it.each([
    ['a symlink to a missing file', (p: string) => symlinkSync(join(outside, 'created?'), p)],
    ['a fifo', (p: string) => execFileSync('mkfifo', [p])],
    ['a directory', (p: string) => mkdirSync(p)],
  ])('a lock that is %s: the call fails with an I/O error naming it, creating nothing', async (_label, plant) => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    plant(join(dir, 'lock'));
    const out = await run('ADD', 'ctr1');
    expect(out.code).not.toBe(0);
    expect(out.json).toMatchObject({ code: 5 });
    expect(out.json.msg + (out.json.details ?? '')).toContain(join(dir, 'lock'));
    expect(existsSync(join(outside, 'created?'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n !== 'lock')).toEqual([]);
  });

  it('a network directory that is a symlink: ADD fails (code 5) without following it; DEL succeeds and names it', async () => {
    mkdirSync(dataDir, { recursive: true });
    symlinkSync(outside, dir);
    const add = await run('ADD', 'ctr1');
    expect(add.json).toMatchObject({ code: 5 });
    expect(readdirSync(outside)).toEqual([]);
    const del = await run('DEL', 'ctr1');
    expect(del.code).toBe(0);
    expect(del.stderr).toContain(dir);
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('corrupt state files', () => {
  beforeEach(async () => {
    await ok('ADD', 'ctr1');
    await ok('ADD', 'ctr2');
  });

  it.each([
    ['garbage', 'not an address'],
    ['truncated', '10.20.'],
    ['huge', '1'.repeat(1 << 20)],
  ])('a %s last_reserved_ip.0: ADD works and names it', async (_label, text) => {
    writeFileSync(join(dir, 'last_reserved_ip.0'), text);
    const out = await ok('ADD', 'ctr3');
    expect(addresses(out)[0]).toMatch(/^10\.20\.0\./);
    expect(stderrLines(out).filter((l) => l.includes('last_reserved_ip.0'))).toHaveLength(1);
    expect(readFileSync(join(dir, 'last_reserved_ip.0'), 'latin1')).toBe(addresses(out)[0]);
  });

  const index = (): string => join(dir, '.cni-ts-index');
  it.each([
    ['truncated', () => writeFileSync(index(), readFileSync(index()).subarray(0, 100))],
    ['empty', () => writeFileSync(index(), '')],
    ['with a garbage header', () => writeFileSync(index(), `garbage${readFileSync(index(), 'latin1').slice(7)}`)],
    ['with a body longer than its header says', () => writeFileSync(index(), `${readFileSync(index(), 'latin1')}10.20.0.99\tctr9\teth0\n`)],
    ['huge', () => writeFileSync(index(), Buffer.alloc(40 << 20, 0x41))],
  ])('an owner cache %s: DEL, GC and ADD work from the files and name it', async (_label, damage) => {
    // Damage it in place after restoring the stamp, so that only the content tells.
    const stamp = statSync(dir, { bigint: true }).mtimeNs;
    damage();
    const t = Number(stamp) / 1e9;
    utimesSync(dir, t, t);
    const del = await ok('DEL', 'ctr1');
    expect(existsSync(join(dir, '10.20.0.2'))).toBe(false);
    expect(stderrLines(del).filter((l) => l.includes(index()))).toHaveLength(1);
    const add = await ok('ADD', 'ctr3');
    expect(addresses(add)).not.toContain('10.20.0.3'); // ctr2's, known from the files
    await ok('GC', 'x', config({}, { 'cni.dev/valid-attachments': [{ containerID: 'ctr3', ifname: 'eth0' }] }));
    expect(readdirSync(dir).filter((n) => /^[\d]/.test(n) || n.includes(':'))).toEqual(addresses(add).sort());
  });

  it('a lock file with content is only locked, never read or changed', async () => {
    writeFileSync(join(dir, 'lock'), 'someone wrote here');
    await ok('DEL', 'ctr1');
    await ok('ADD', 'ctr3');
    await ok('GC', 'x', config({}, { 'cni.dev/valid-attachments': [] }));
    expect(readFileSync(join(dir, 'lock'), 'latin1')).toBe('someone wrote here');
  });
});
