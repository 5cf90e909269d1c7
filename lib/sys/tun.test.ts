import { describe, expect, it } from 'vitest';
import { IFF_MULTI_QUEUE, IFF_NO_PI, IFF_TAP, TUNSETGROUP, TUNSETIFF, TUNSETOWNER, TUNSETPERSIST, encodeTunIfreq } from './tun.ts';

describe('encodeTunIfreq', () => {
  it('puts the NUL-terminated name first and ifr_flags (little-endian short) right after IFNAMSIZ', () => {
    const req = encodeTunIfreq('tap0', IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE);
    expect(req.length).toBe(40);
    expect(Buffer.from(req.subarray(0, 5)).toString('latin1')).toBe('tap0\0');
    expect(req[16]).toBe(0x02);
    expect(req[17]).toBe(0x11);
    expect(req.subarray(18).every((b) => b === 0)).toBe(true);
  });

  it('refuses names the kernel would truncate or misread', () => {
    expect(() => encodeTunIfreq('', IFF_TAP)).toThrow(TypeError);
    expect(() => encodeTunIfreq('a'.repeat(16), IFF_TAP)).toThrow(TypeError);
    expect(() => encodeTunIfreq('a\0b', IFF_TAP)).toThrow(TypeError);
    expect(encodeTunIfreq('a'.repeat(15), IFF_TAP)[15]).toBe(0);
  });

  it("uses if_tun.h's request numbers (_IOW('T', n, int))", () => {
    const iow = (nr: number) => (1 << 30) | (4 << 16) | ('T'.charCodeAt(0) << 8) | nr;
    expect([TUNSETIFF, TUNSETPERSIST, TUNSETOWNER, TUNSETGROUP]).toEqual([iow(202), iow(203), iow(204), iow(206)]);
  });
});
