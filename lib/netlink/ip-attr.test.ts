import { describe, expect, it } from 'vitest';
import { parseAddress } from './addr.ts';
import { AF_INET, AF_INET6, IFA_LOCAL, RTA_DST, RTA_GATEWAY, RTM_NEWADDR, RTM_NEWROUTE } from './constants.ts';
import { encodeIfAddrMsg, encodeRtMsg } from './headers.ts';
import { readAddressAttr } from './ip-attr.ts';
import { parseRoute } from './route.ts';
import { bytesAttr, encodeAttrs } from './wire.ts';
import type { NlMessage } from './wire.ts';

const msg = (type: number, payload: Buffer): NlMessage => ({ type, flags: 0, seq: 1, pid: 0, payload });

describe('address attributes', () => {
  it('read as text when the length is the family\'s', () => {
    expect(readAddressAttr(Buffer.of(10, 1, 0, 5), 4, 'x')).toBe('10.1.0.5');
    expect(readAddressAttr(Buffer.from('20010db8000000000000000000000001', 'hex'), 6, 'x')).toBe('2001:db8::1');
  });

  // fuzz counterexamples (lib/netlink/decode.fuzz.test.ts): an AddrError of lib/addr before, or
  // an IPv6 address in an IPv4 message
  it('refuse another length with the codec\'s RangeError', () => {
    expect(() => readAddressAttr(Buffer.alloc(16), 4, 'RTA_GATEWAY')).toThrow(new RangeError('netlink RTA_GATEWAY has 16 bytes: an IPv4 address has 4'));
    const addr = Buffer.concat([encodeIfAddrMsg({ family: AF_INET, prefixLen: 24, index: 2 }), encodeAttrs([bytesAttr(IFA_LOCAL, Buffer.of(10, 1, 0))])]);
    expect(() => parseAddress(msg(RTM_NEWADDR, addr))).toThrow(RangeError);
    const v6InV4 = Buffer.concat([encodeIfAddrMsg({ family: AF_INET, prefixLen: 24, index: 2 }), encodeAttrs([bytesAttr(IFA_LOCAL, Buffer.alloc(16))])]);
    expect(() => parseAddress(msg(RTM_NEWADDR, v6InV4))).toThrow(/an IPv4 address has 4/);
    const route = Buffer.concat([encodeRtMsg({ family: AF_INET6, dstLen: 64 }), encodeAttrs([bytesAttr(RTA_DST, Buffer.alloc(16)), bytesAttr(RTA_GATEWAY, Buffer.of(1, 2, 3, 4))])]);
    expect(() => parseRoute(msg(RTM_NEWROUTE, route))).toThrow(/RTA_GATEWAY has 4 bytes: an IPv6 address has 16/);
    expect(() => parseRoute(msg(RTM_NEWROUTE, Buffer.of(2)))).toThrow(/^netlink rtmsg needs 12 bytes/);
  });
});
