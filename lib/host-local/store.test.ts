import { describe, expect, it } from 'vitest';
import { MemoryStore, formatOwner, parseHolder, sameHolder } from './store.ts';

describe('parseHolder', () => {
  it.each([
    ['abc\r\neth0', { containerId: 'abc', ifname: 'eth0' }],
    ['abc\r\neth0\n', { containerId: 'abc', ifname: 'eth0' }], // trimmed, as Go trims
    ['  abc\r\neth0  ', { containerId: 'abc', ifname: 'eth0' }],
    ['abc', { containerId: 'abc' }], // legacy: container ID only
    ['abc\n', { containerId: 'abc' }],
    ['abc\r\n', { containerId: 'abc' }], // empty ifname trims away: legacy, like Go's match
    ['', null],
    ['   ', null],
    ['abc\neth0', null], // LF alone is not the separator
    ['abc\r\neth0\r\nmore', null],
    ['a b\r\neth0', null],
    ['{"kind":"host-local-v1"}', { containerId: '{"kind":"host-local-v1"}' }],
    ['\0\0\0\0', null], // zeros a power loss left where the text was
    ['abc\r\neth\x01', null],
    ['\ufffd\ufffd', null], // invalid UTF-8 read back
    ['abc\x7f', null],
  ])('%j', (content, want) => {
    expect(parseHolder(content)).toEqual(want);
  });

  it('formats exactly what the Go plugin writes, and parses it back', () => {
    expect(formatOwner({ containerId: 'c1', ifname: 'eth0' })).toBe('c1\r\neth0');
    expect(parseHolder(formatOwner({ containerId: 'c1', ifname: 'eth0' }))).toEqual({ containerId: 'c1', ifname: 'eth0' });
  });

  it('compares holders, legacy and unknown included', () => {
    expect(sameHolder({ containerId: 'a', ifname: 'e' }, { containerId: 'a', ifname: 'e' })).toBe(true);
    expect(sameHolder({ containerId: 'a' }, { containerId: 'a', ifname: 'e' })).toBe(false);
    expect(sameHolder(null, null)).toBe(true);
    expect(sameHolder(null, { containerId: 'a' })).toBe(false);
  });
});

describe('MemoryStore', () => {
  it('reserves exclusively and releases only for the holder', () => {
    const s = new MemoryStore();
    expect(s.reserve('10.0.0.2', { containerId: 'a', ifname: 'e' }, 0)).toBe(true);
    expect(s.reserve('10.0.0.2', { containerId: 'b', ifname: 'e' }, 0)).toBe(false);
    expect(s.lastReserved(0)).toBe('10.0.0.2');
    expect(s.release('10.0.0.2', { containerId: 'b', ifname: 'e' })).toBe(false);
    expect(s.release('10.0.0.2', { containerId: 'a', ifname: 'e' })).toBe(true);
    expect(s.entries().size).toBe(0);
  });
});
