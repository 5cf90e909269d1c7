import { describe, expect, it } from 'vitest';
import { isIP } from 'node:net';
import { bytesToIp, bytesToMac, ipFamily, ipToBytes, ipv4Broadcast, macToBytes, parsePrefix } from './address.ts';

describe('ipToBytes / bytesToIp', () => {
  it.each([
    ['10.1.2.3', '0a010203', '10.1.2.3'],
    ['0.0.0.0', '00000000', '0.0.0.0'],
    ['2001:db8::1', '20010db8000000000000000000000001', '2001:db8::1'],
    ['::', '00000000000000000000000000000000', '::'],
    ['::1', '00000000000000000000000000000001', '::1'],
    ['fe80::', 'fe800000000000000000000000000000', 'fe80::'],
    ['2001:DB8:0:0:1:0:0:1', '20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['1:0:0:2:0:0:0:3', '00010000000000020000000000000003', '1:0:0:2::3'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', '00010000000300040005000600070008', '1:0:3:4:5:6:7:8'],
    ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001', '::ffff:a00:1'],
  ])('%s encodes to %s and formats back as %s', (ip, hexBytes, formatted) => {
    expect(ipToBytes(ip).toString('hex')).toBe(hexBytes);
    expect(bytesToIp(Buffer.from(hexBytes, 'hex'))).toBe(formatted);
  });

  it.each(['10.1.2', '1.2.3.256', 'fe80::1%eth0', 'hello', ''])('rejects %j', (bad) => {
    expect(() => ipToBytes(bad)).toThrow(TypeError);
  });

  it('rejects byte strings of other lengths', () => {
    expect(() => bytesToIp(Buffer.alloc(5))).toThrow(TypeError);
  });

  it('reports the family', () => {
    expect(ipFamily('1.2.3.4')).toBe(4);
    expect(ipFamily('::1')).toBe(6);
  });
});

describe('parsePrefix', () => {
  it.each([
    ['10.0.0.0/8', { address: '10.0.0.0', prefixLen: 8, family: 4 }],
    ['0.0.0.0/0', { address: '0.0.0.0', prefixLen: 0, family: 4 }],
    ['::/0', { address: '::', prefixLen: 0, family: 6 }],
    ['10.1.2.3', { address: '10.1.2.3', prefixLen: 32, family: 4 }],
    ['2001:db8::1', { address: '2001:db8::1', prefixLen: 128, family: 6 }],
  ])('parses %s', (cidr, want) => {
    expect(parsePrefix(cidr)).toEqual(want);
  });

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/a', '10.0.0.0/-1', 'x/8'])('rejects %s', (bad) => {
    expect(() => parsePrefix(bad)).toThrow(TypeError);
  });
});

describe('ipv4Broadcast', () => {
  it.each([
    ['10.1.2.3', 24, '10.1.2.255'],
    ['10.22.0.15', 16, '10.22.255.255'],
    ['192.168.1.1', 30, '192.168.1.3'],
    ['1.2.3.4', 0, '255.255.255.255'],
  ])('%s/%i -> %s', (ip, len, want) => {
    expect(ipv4Broadcast(ip, len)).toBe(want);
  });
});

describe('MAC conversion', () => {
  it('round-trips colon and dash forms, lowercased', () => {
    expect(macToBytes('AA:bb:0c:dd:ee:0F').toString('hex')).toBe('aabb0cddee0f');
    expect(macToBytes('aa-bb-0c-dd-ee-0f').toString('hex')).toBe('aabb0cddee0f');
    expect(bytesToMac(Buffer.from('aabb0cddee0f', 'hex'))).toBe('aa:bb:0c:dd:ee:0f');
  });

  it.each(['aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:fg', 'aabbccddeeff', 'a:b:c:d:e:f'])('rejects %s', (bad) => {
    expect(() => macToBytes(bad)).toThrow(TypeError);
  });
});

/** ipFamily in isIP's terms: 0 for what it rejects. */
function familyOrZero(s: string): number {
  try {
    return ipFamily(s);
  } catch {
    return 0;
  }
}

describe('ipFamily agrees with node:net isIP (which a plugin no longer loads)', () => {
  const cases = [
    '0.0.0.0', '255.255.255.255', '10.1.2.3', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1..2.3', ' 1.2.3.4', '1.2.3.4 ', '',
    '::', '::1', '1::', 'fe80::1', '2001:db8::1:0:0:1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '1:::2', '1::2::3', '12345::', 'g::1', 'FFFF::abcd',
    '::ffff:1.2.3.4', '::1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1::5:6:1.2.3.4', '::ffff:256.2.3.4', '1.2.3.4::', ':', ':::',
  ];
  it.each(cases)('%j', (ip) => {
    const expected = isIP(ip);
    if (expected === 0) expect(() => ipFamily(ip)).toThrow(TypeError);
    else expect(ipFamily(ip)).toBe(expected);
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

describe('ipFamily on generated IPv6 forms', () => {
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
