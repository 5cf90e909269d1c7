import { describe, expect, it } from 'vitest';
import { decodeIfAddrMsg, decodeIfInfoMsg, decodeNfGenMsg, decodeRtMsg, encodeIfAddrMsg, encodeIfInfoMsg, encodeNfGenMsg, encodeRtMsg } from './headers.ts';

describe('fixed headers', () => {
  it('round-trips ifinfomsg with negative-looking flags', () => {
    const m = { family: 7, type: 1, index: 42, flags: 0x80011043, change: 0xffffffff };
    expect(decodeIfInfoMsg(encodeIfInfoMsg(m))).toEqual(m);
  });

  it('round-trips ifaddrmsg', () => {
    const m = { family: 10, prefixLen: 64, flags: 0x80, scope: 253, index: 3 };
    expect(encodeIfAddrMsg(m).toString('hex')).toBe('0a4080fd03000000');
    expect(decodeIfAddrMsg(encodeIfAddrMsg(m))).toEqual(m);
  });

  it('encodes rtmsg field by field', () => {
    const m = { family: 2, dstLen: 24, srcLen: 0, tos: 0, table: 254, protocol: 3, scope: 253, type: 1, flags: 4 };
    expect(encodeRtMsg(m).toString('hex')).toBe('02180000fe03fd0104000000');
    expect(decodeRtMsg(encodeRtMsg(m))).toEqual(m);
  });

  it('writes nfgenmsg res_id big-endian', () => {
    expect(encodeNfGenMsg({ family: 2, version: 0, resId: 0x0102 }).toString('hex')).toBe('02000102');
    expect(decodeNfGenMsg(Buffer.from('0a000304', 'hex'))).toEqual({ family: 10, version: 0, resId: 0x0304 });
  });

  // fuzz counterexamples (lib/netlink/decode.fuzz.test.ts): a Buffer read's ERR_OUT_OF_RANGE before
  it('refuses a payload shorter than its header with the codec\'s RangeError', () => {
    expect(() => decodeIfInfoMsg(Buffer.alloc(0))).toThrow(/^netlink ifinfomsg needs 16 bytes, the payload has 0$/);
    expect(() => decodeIfAddrMsg(Buffer.of(2))).toThrow(/^netlink ifaddrmsg needs 8 bytes/);
    expect(() => decodeRtMsg(Buffer.alloc(11))).toThrow(/^netlink rtmsg needs 12 bytes/);
    expect(() => decodeNfGenMsg(Buffer.alloc(3))).toThrow(/^netlink nfgenmsg needs 4 bytes/);
    try {
      decodeIfInfoMsg(Buffer.alloc(15));
    } catch (e) {
      expect(e).toBeInstanceOf(RangeError);
      expect(e).not.toHaveProperty('code');
    }
  });
});
