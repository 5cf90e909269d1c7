import { describe, expect, it } from 'vitest';
import { parseCidr } from '../addr/index.ts';
import { canonicalIp, hostCidr, ipFamily, networkCidr } from './ip-text.ts';

describe('ip-text', () => {
  it.each([
    ['10.1.0.5', '10.1.0.5'],
    ['FD00:0:0:0:0:0:0:5', 'fd00::5'],
    ['fd00:0:0:1:0:0:0:5', 'fd00:0:0:1::5'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    ['2001:0:0:1:0:0:0:0', '2001:0:0:1::'],
  ])('canonicalIp(%s) prints like inet_ntop: %s', (input, out) => {
    expect(canonicalIp(input)).toBe(out);
  });
  it('ipFamily tells v4 from v6 and rejects other text', () => {
    expect(ipFamily('10.0.0.1')).toBe(4);
    expect(ipFamily('fd00::1')).toBe(6);
    expect(() => ipFamily('10.0.0.256')).toThrow(/not an IP/);
  });
  it('hostCidr adds the full-length prefix', () => {
    expect(hostCidr('10.203.0.2')).toBe('10.203.0.2/32');
    expect(hostCidr('fd00:0::5')).toBe('fd00::5/128');
  });
  it.each([
    ['10.1.0.5/16', '10.1.0.0/16'],
    ['10.1.255.5/20', '10.1.240.0/20'],
    ['10.1.0.5/0', '0.0.0.0/0'],
    ['fd00::5/64', 'fd00::/64'],
    ['fd00:1:2:3:4::5/50', 'fd00:1:2::/50'],
    ['10.1.0.5/32', '10.1.0.5/32'],
    ['::ffff:10.1.2.3/128', '::ffff:10.1.2.3/128'],
  ])('networkCidr(%s) clears host bits: %s', (input, out) => {
    expect(networkCidr(parseCidr(input))).toBe(out);
  });
});
