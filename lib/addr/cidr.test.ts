import { describe, expect, it } from 'vitest';
import {
  AddrError,
  addressCount,
  cidrContains,
  cidrToString,
  ipToString,
  isNetworkAddress,
  lastAddress,
  networkAddress,
  parseCidr,
  parseIp,
  prefixMask,
  subnetOf,
} from './index.ts';

describe('parseCidr', () => {
  // [input, canonical text (host bits kept), network, last, is network address]
  it.each([
    ['10.1.0.0/16', '10.1.0.0/16', '10.1.0.0', '10.1.255.255', true],
    ['10.1.0.5/16', '10.1.0.5/16', '10.1.0.0', '10.1.255.255', false],
    ['10.1.0.5/32', '10.1.0.5/32', '10.1.0.5', '10.1.0.5', true],
    ['0.0.0.0/0', '0.0.0.0/0', '0.0.0.0', '255.255.255.255', true],
    ['2001:DB8::/64', '2001:db8::/64', '2001:db8::', '2001:db8::ffff:ffff:ffff:ffff', true],
    ['fd00::5/120', 'fd00::5/120', 'fd00::', 'fd00::ff', false],
    ['::/0', '::/0', '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
  ] as const)('%s', (input, text, network, last, isNet) => {
    const c = parseCidr(input);
    expect(cidrToString(c)).toBe(text);
    expect(ipToString(networkAddress(c))).toBe(network);
    expect(ipToString(lastAddress(c))).toBe(last);
    expect(isNetworkAddress(c)).toBe(isNet);
  });

  it.each([
    '10.1.0.0',
    '10.1.0.0/',
    '10.1.0.0/33',
    '10.1.0.0/016',
    '10.1.0.0/+16',
    '10.1.0.0/16/8',
    '10.1.0/16',
    '2001:db8::/129',
    'not-a-subnet',
    '/24',
  ])('rejects %j with an AddrError naming the input', (input) => {
    let err: unknown;
    try {
      parseCidr(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AddrError);
    expect((err as AddrError).input).toBe(input);
    expect((err as AddrError).message).toContain(JSON.stringify(input));
  });
});

describe('containment and sizes', () => {
  it.each([
    ['10.1.0.0/16', '10.1.255.255', true],
    ['10.1.0.0/16', '10.2.0.0', false],
    ['10.1.0.0/16', '::ffff:10.1.0.1', false], // another family
    ['2001:db8::/64', '2001:db8::1234', true],
    ['2001:db8::/64', '2001:db8:0:1::', false],
    ['0.0.0.0/0', '1.2.3.4', true],
  ])('cidrContains(%s, %s) = %s', (cidr, ip, want) => {
    expect(cidrContains(parseCidr(cidr), parseIp(ip))).toBe(want);
  });

  it('computes masks and address counts', () => {
    expect(prefixMask(4, 24)).toBe(0xffffff00n);
    expect(prefixMask(4, 0)).toBe(0n);
    expect(prefixMask(6, 128)).toBe((1n << 128n) - 1n);
    expect(addressCount(parseCidr('10.0.0.0/16'))).toBe(65536n);
    expect(addressCount(parseCidr('2001:db8::/64'))).toBe(1n << 64n);
  });
});

describe('subnetOf', () => {
  it('clears the host bits and keeps the prefix', () => {
    expect(subnetOf(parseCidr('10.1.0.5/16'))).toBe('10.1.0.0/16');
    expect(subnetOf(parseCidr('fd00::5/64'))).toBe('fd00::/64');
  });
});
