import { describe, expect, it } from 'vitest';
import { normalizeSysctlName, readSysctl, sysctlPath } from './sysctl.ts';

describe('normalizeSysctlName', () => {
  it.each([
    ['net.ipv4.ip_forward', 'net/ipv4/ip_forward'],
    ['net/ipv4/ip_forward', 'net/ipv4/ip_forward'],
    // dotted form: the interface's own dot is written as a slash
    ['net.ipv4.conf.eth0/100.rp_filter', 'net/ipv4/conf/eth0.100/rp_filter'],
    // slashed form: dots inside segments stay
    ['net/ipv4/conf/eth0.100/rp_filter', 'net/ipv4/conf/eth0.100/rp_filter'],
    ['net.ipv6.conf.eth0.accept_dad', 'net/ipv6/conf/eth0/accept_dad'],
    ['kernel', 'kernel'],
  ])('%s -> %s', (name, want) => {
    expect(normalizeSysctlName(name)).toBe(want);
  });

  it.each(['', '/net/ipv4/ip_forward', 'net/../../etc/passwd', 'net..ipv4', 'net.ipv4.', 'net/./ipv4'])('rejects %j', (bad) => {
    expect(() => normalizeSysctlName(bad)).toThrow(TypeError);
  });
});

describe('sysctlPath and readSysctl', () => {
  it('maps names under /proc/sys', () => {
    expect(sysctlPath('net.ipv4.conf.all.forwarding')).toBe('/proc/sys/net/ipv4/conf/all/forwarding');
  });

  it('reads a value without the trailing newline', () => {
    expect(readSysctl('kernel.ostype')).toBe('Linux');
  });

  it('throws ENOENT for an unknown key', () => {
    expect(() => readSysctl('net.ipv4.conf.cnits-no-such-if.rp_filter')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
