import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_FILE, dirState, loadIndex, parseIndex, removeLine, saveIndex, serializeIndex, setLine } from './index-cache.ts';
import type { Holder } from './store.ts';

const header = { bootId: 'b00t', dev: 1n, ino: 2n, stampUs: 3n };
const entries = new Map<string, Holder>([
  ['10.1.0.2', { containerId: 'c1', ifname: 'eth0' }],
  ['2001:db8::2', { containerId: 'c1', ifname: 'eth0' }],
  ['10.1.0.3', { containerId: 'legacy' }],
  ['10.1.0.4', null],
]);

describe('serializeIndex / parseIndex', () => {
  it('round-trips every kind of holder', () => {
    const text = serializeIndex(header, entries);
    const bodyLength = text.length - 160;
    expect(parseIndex(text)).toEqual({ header: { ...header, bodyLength }, index: { entries, bodyLength, lines: 4 } });
  });

  it('round-trips an empty cache', () => {
    expect(parseIndex(serializeIndex(header, new Map()))?.index.entries.size).toBe(0);
  });

  it('applies journal lines in order: later sets win, removals delete', () => {
    const body = setLine('10.1.0.2', { containerId: 'a', ifname: 'eth0' }) + setLine('10.1.0.3', null) + removeLine('10.1.0.2') +
      setLine('10.1.0.3', { containerId: 'b' }) + setLine('10.1.0.2', { containerId: 'c', ifname: 'e1' });
    const head = `cni-ts-host-local-index 3 b00t 1 2 3 ${body.length}`.padEnd(159) + '\n';
    expect(parseIndex(head + body)?.index).toEqual({
      entries: new Map([['10.1.0.3', { containerId: 'b' }], ['10.1.0.2', { containerId: 'c', ifname: 'e1' }]]),
      bodyLength: body.length,
      lines: 5,
    });
  });

  it.each([
    ['truncated', (t: string) => t.slice(0, t.length - 10)],
    ['without the final newline', (t: string) => t.slice(0, -1)],
    ['with a line lost', (t: string) => t.replace('10.1.0.3\tlegacy\n', '')],
    ['with a line appended but the header not yet rewritten', (t: string) => `${t}10.9.9.9\tx\teth0\n`],
    ['with a bad header', (t: string) => t.replace('index 3', 'index 9')],
    ['with a removal that has fields', (t: string) => t.replace('10.1.0.4\n', '-10.1.0\t4\n')],
    ['with the header not yet written (a killed first write)', (t: string) => '\0'.repeat(160) + t.slice(160)],
    ['empty', () => ''],
    ['with a line of four fields', (t: string) => t.replace('legacy\n', 'lega\tx\ty\n')],
    ['with an empty line', (t: string) => t.replace('10.1.0.3\tlegacy\n', '\n10.1.0.3\tlegac\n')],
  ])('rejects a cache %s', (_label, mangle) => {
    expect(parseIndex(mangle(serializeIndex(header, entries)))).toBeUndefined();
  });
});

describe('saveIndex / loadIndex', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnits-hl-idx-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('distrusts a cache written during another boot', () => {
    expect(saveIndex(dir, entries)).toBe(true);
    expect(loadIndex(dir, { ...dirState(dir), bootId: 'another-boot' })).toBeUndefined();
  });

  it('rewrites the cache in place: shrinking leaves no stale tail', () => {
    expect(saveIndex(dir, entries)).toBe(true);
    const fewer = new Map([...entries].slice(0, 1));
    expect(saveIndex(dir, fewer)).toBe(true);
    expect(loadIndex(dir, dirState(dir))?.entries).toEqual(fewer);
  });

  it('appends a journal to an unchanged cache, and rejects a half-written append', () => {
    expect(saveIndex(dir, entries)).toBe(true);
    const loaded = loadIndex(dir, dirState(dir));
    const journal = removeLine('10.1.0.2') + setLine('10.1.0.9', { containerId: 'c9', ifname: 'eth0' });
    const after = new Map(entries);
    after.delete('10.1.0.2');
    after.set('10.1.0.9', { containerId: 'c9', ifname: 'eth0' });
    expect(saveIndex(dir, after, { bodyLength: loaded!.bodyLength, journal })).toBe(true);
    const again = loadIndex(dir, dirState(dir));
    expect(again?.entries).toEqual(after);
    expect(again?.lines).toBe(6);
    appendFileSync(join(dir, INDEX_FILE), setLine('10.1.0.10', null)); // killed before the header
    expect(loadIndex(dir, dirState(dir))).toBeUndefined();
  });

  it('trusts the cache while the directory is unchanged', () => {
    writeFileSync(join(dir, '10.1.0.2'), 'c1\r\neth0');
    expect(saveIndex(dir, entries)).toBe(true);
    expect(loadIndex(dir, dirState(dir))?.entries).toEqual(entries);
    // Rewriting a file in place does not change the directory: still trusted (by design;
    // neither plugin ever rewrites a reservation).
    writeFileSync(join(dir, '10.1.0.2'), 'zz\r\neth0');
    expect(loadIndex(dir, dirState(dir))?.entries).toEqual(entries);
  });

  it.each([
    ['a file is created', (d: string) => writeFileSync(join(d, '10.1.0.9'), 'x\r\neth0')],
    ['a file is removed', (d: string) => unlinkSync(join(d, '10.1.0.2'))],
    [
      'a file is removed and created again at once',
      (d: string) => {
        unlinkSync(join(d, '10.1.0.2'));
        writeFileSync(join(d, '10.1.0.2'), 'other\r\neth0');
      },
    ],
  ])('distrusts the cache as soon as %s', (_label, change) => {
    writeFileSync(join(dir, '10.1.0.2'), 'c1\r\neth0');
    expect(saveIndex(dir, entries)).toBe(true);
    change(dir);
    expect(loadIndex(dir, dirState(dir))).toBeUndefined();
  });

  it('writes the cache as a 0600 dotfile that no reservation scan mistakes for an IP', () => {
    saveIndex(dir, entries);
    const text = readFileSync(join(dir, INDEX_FILE), 'utf8');
    expect(text.startsWith('cni-ts-host-local-index 3 ')).toBe(true);
    expect(INDEX_FILE.startsWith('.')).toBe(true);
    expect(statSync(join(dir, INDEX_FILE)).mode & 0o777).toBe(0o600);
  });
});
