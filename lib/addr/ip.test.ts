import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  AddrError,
  compareIps,
  ipEquals,
  ipFromBigInt,
  ipFromBytes,
  ipToBytes,
  ipToString,
  isIPv4Mapped,
  nextIp,
  parseIp,
  prevIp,
  tryParseIp,
  unmapIPv4,
} from './index.ts';

describe('parseIp and ipToString', () => {
  // [input, family, canonical text as Go's net.IP.String() prints it]
  it.each([
    ['0.0.0.0', 4, '0.0.0.0'],
    ['10.1.0.5', 4, '10.1.0.5'],
    ['255.255.255.255', 4, '255.255.255.255'],
    ['::', 6, '::'],
    ['::1', 6, '::1'],
    ['1::', 6, '1::'],
    ['2001:db8::5', 6, '2001:db8::5'],
    ['2001:DB8:0:0:0:0:0:5', 6, '2001:db8::5'],
    ['2001:0db8:0000:0000:0000:0000:0000:0005', 6, '2001:db8::5'],
    ['2001:db8:0:1:0:0:0:1', 6, '2001:db8:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1'], // equal runs: the first is compressed
    ['2001:db8:0:1:1:1:1:1', 6, '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['fd00:0:0:0:0:0:0:0', 6, 'fd00::'],
    ['0:0:0:0:0:0:0:1', 6, '::1'],
    ['1:0:0:2:0:0:0:3', 6, '1:0:0:2::3'], // the longer run wins
    ['::ffff:10.1.2.3', 6, '10.1.2.3'], // IPv4-mapped prints dotted, as Go does
    ['::FFFF:a01:203', 6, '10.1.2.3'],
    ['::10.1.2.3', 6, '::a01:203'], // IPv4-compatible (deprecated) is plain IPv6
    ['64:ff9b::1.2.3.4', 6, '64:ff9b::102:304'],
    ['1:2:3:4:5:6:7:8', 6, '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:1.2.3.4', 6, '1:2:3:4:5:6:102:304'],
  ] as const)('%s', (input, family, text) => {
    const ip = parseIp(input);
    expect(ip.family).toBe(family);
    expect(ipToString(ip)).toBe(text);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4', // leading zeros are ambiguous (octal); Go rejects them too
    '1.2.3.-4',
    ' 1.2.3.4',
    '1.2.3.4/24',
    'a.b.c.d',
    ':',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8', // "::" must stand for at least one group
    '1::2::3',
    ':1::',
    '1:',
    '12345::',
    'fe80::1%eth0', // zones are not addresses
    '::1.2.3',
    '1.2.3.4::',
    'g::1',
  ])('rejects %j', (input) => {
    expect(tryParseIp(input)).toBeUndefined();
    expect(() => parseIp(input)).toThrow(AddrError);
  });

  it('formats random IPv6 addresses like the WHATWG URL serializer (also RFC 5952)', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      // Many zero groups, so that runs and ties are common.
      const groups = Array.from({ length: 8 }, () => (rnd(3) === 0 ? rnd(0x10000) : 0));
      if (groups[5] === 0xffff && groups.slice(0, 5).every((g) => g === 0)) continue; // mapped
      const text = groups.map((g) => g.toString(16)).join(':');
      const ip = parseIp(text);
      expect(ipToString(ip)).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1));
      expect(ipToString(parseIp(ipToString(ip)))).toBe(ipToString(ip));
    }
  });
});

describe('bytes and integers', () => {
  it.each([
    ['10.1.0.5', [10, 1, 0, 5]],
    ['2001:db8::5', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]],
  ])('%s round-trips through bytes', (text, bytes) => {
    expect([...ipToBytes(parseIp(text))]).toEqual(bytes);
    expect(ipToString(ipFromBytes(Uint8Array.from(bytes)))).toBe(text);
  });

  it('rejects byte arrays of the wrong length and integers out of range', () => {
    expect(() => ipFromBytes(new Uint8Array(5))).toThrow(AddrError);
    expect(() => ipFromBigInt(4, 1n << 32n)).toThrow(AddrError);
    expect(() => ipFromBigInt(6, -1n)).toThrow(AddrError);
    expect(ipToString(ipFromBigInt(4, 0x0a010005n))).toBe('10.1.0.5');
  });
});

describe('arithmetic and comparison', () => {
  it.each([
    ['10.0.0.255', '10.0.1.0'],
    ['10.255.255.255', '11.0.0.0'],
    ['2001:db8::ffff', '2001:db8::1:0'],
    ['::', '::1'],
  ])('nextIp(%s) is %s and prevIp goes back', (a, b) => {
    expect(ipToString(nextIp(parseIp(a)))).toBe(b);
    expect(ipToString(prevIp(parseIp(b)))).toBe(a);
  });

  it('throws at the ends of the address space', () => {
    expect(() => nextIp(parseIp('255.255.255.255'))).toThrow(AddrError);
    expect(() => prevIp(parseIp('0.0.0.0'))).toThrow(AddrError);
    expect(() => nextIp(parseIp('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'))).toThrow(AddrError);
  });

  it.each([
    ['10.0.0.1', '10.0.0.2', -1],
    ['10.0.0.2', '10.0.0.2', 0],
    ['10.0.1.0', '10.0.0.255', 1],
    ['255.255.255.255', '::', -1], // IPv4 sorts before IPv6
    ['::2', '::1', 1],
  ])('compareIps(%s, %s) = %i', (a, b, want) => {
    expect(Math.sign(compareIps(parseIp(a), parseIp(b)))).toBe(want);
    expect(ipEquals(parseIp(a), parseIp(b))).toBe(want === 0);
  });

  it('unmaps IPv4-mapped IPv6 addresses the way Go To4() does', () => {
    const mapped = parseIp('::ffff:192.0.2.1');
    expect(isIPv4Mapped(mapped)).toBe(true);
    expect(unmapIPv4(mapped)).toEqual(parseIp('192.0.2.1'));
    expect(isIPv4Mapped(parseIp('::192.0.2.1'))).toBe(false);
    expect(unmapIPv4(parseIp('2001:db8::1'))).toEqual(parseIp('2001:db8::1'));
  });
});

/** ipFamily in isIP's terms: 0 for what it rejects. */
function familyOrZero(s: string): number {
  return tryParseIp(s)?.family ?? 0;
}

describe('parseIp agrees with node:net isIP on validity and family (a plugin does not load node:net)', () => {
  const cases = [
    '0.0.0.0', '255.255.255.255', '10.1.2.3', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1..2.3', ' 1.2.3.4', '1.2.3.4 ', '',
    '::', '::1', '1::', 'fe80::1', '2001:db8::1:0:0:1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '1:::2', '1::2::3', '12345::', 'g::1', 'FFFF::abcd',
    '::ffff:1.2.3.4', '::1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1::5:6:1.2.3.4', '::ffff:256.2.3.4', '1.2.3.4::', ':', ':::',
  ];
  it.each(cases)('%j', (ip) => {
    const expected = isIP(ip);
    if (expected === 0) expect(() => parseIp(ip)).toThrow(AddrError);
    else expect(parseIp(ip).family).toBe(expected);
  });

  it('agrees on random strings over the address alphabet', () => {
    const alphabet = '0123456789abcdef:.';
    for (let n = 0; n < 20000; n++) {
      const len = 1 + Math.floor(Math.random() * 20);
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
      expect(familyOrZero(s), s).toBe(isIP(s));
    }
  });
});

describe('parseIp on generated IPv6 forms', () => {
  it('agrees with node:net isIP on compressed, uncompressed and v4-tailed forms, valid or off by one group', () => {
    const hex = (): string => Math.floor(Math.random() * 0x10000).toString(16);
    for (let n = 0; n < 5000; n++) {
      const groups = Array.from({ length: 6 + Math.floor(Math.random() * 4) }, hex);
      if (Math.random() < 0.3) groups.splice(-2, 2, `${n % 256}.${(n * 7) % 256}.1.${n % 300}`);
      let s = groups.join(':');
      if (Math.random() < 0.5) {
        const at = Math.floor(Math.random() * groups.length);
        const drop = Math.floor(Math.random() * 3);
        s = [...groups.slice(0, at), '', ...groups.slice(at + drop)].join(':').replace(/^:(?!:)/, '::').replace(/(?<!:):$/, '::');
      }
      expect(familyOrZero(s), s).toBe(isIP(s));
    }
  });
});
