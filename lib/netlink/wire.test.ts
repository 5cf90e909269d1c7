import { describe, expect, it } from 'vitest';
import {
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_PROTINFO,
  NLA_F_NESTED,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTM_NEWLINK,
} from './constants.ts';
import { align4, attrMap, encodeAttrs, encodeMessage, nestedAttr, parseAttrs, parseDoneReply, parseErrorReply, parseMessages, readString, readU32, stringAttr, u16Attr, u32Attr, u8Attr } from './wire.ts';
import { decodeIfInfoMsg, encodeIfInfoMsg } from './headers.ts';

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

describe('align4', () => {
  it.each([
    [0, 0],
    [1, 4],
    [4, 4],
    [5, 8],
    [11, 12],
  ])('rounds %i up to %i', (n, want) => {
    expect(align4(n)).toBe(want);
  });
});

describe('encodeMessage', () => {
  it('frames an RTM_NEWLINK bridge request byte for byte', () => {
    const buf = encodeMessage(
      {
        type: RTM_NEWLINK,
        flags: NLM_F_CREATE | NLM_F_EXCL,
        header: encodeIfInfoMsg(),
        attrs: [stringAttr(IFLA_IFNAME, 'br0'), nestedAttr(IFLA_LINKINFO, [stringAttr(IFLA_INFO_KIND, 'bridge')])],
      },
      NLM_F_REQUEST | NLM_F_ACK,
      1,
    );
    expect(buf.toString('hex')).toBe(
      hex(`
        38000000 1000 0506 01000000 00000000
        00000000 00000000 00000000 00000000
        0800 0300 62723000
        1000 1200 0b00 0100 627269646765 00 00
      `).toString('hex'),
    );
  });
});

describe('attributes', () => {
  it('pads u8/u16/u32 values to 4 bytes and keeps the declared length', () => {
    const buf = encodeAttrs([u8Attr(1, 0xab), u16Attr(2, 0x1234), u32Attr(3, 0xdeadbeef)]);
    expect(buf.toString('hex')).toBe('05000100ab000000' + '060002003412' + '0000' + '08000300efbeadde');
  });

  it('parses nested attributes and strips NLA_F_NESTED from the type', () => {
    const buf = encodeAttrs([nestedAttr(IFLA_PROTINFO | NLA_F_NESTED, [u8Attr(4, 1), u32Attr(33, 7)])]);
    const [outer] = parseAttrs(buf);
    expect(outer?.type).toBe(IFLA_PROTINFO);
    expect(outer?.nested).toBe(true);
    const inner = attrMap(outer?.value ?? Buffer.alloc(0));
    expect(inner.get(4)?.[0]).toBe(1);
    expect(readU32(inner.get(33))).toBe(7);
  });

  it('reads strings with or without the NUL', () => {
    expect(readString(Buffer.from('eth0\0'))).toBe('eth0');
    expect(readString(Buffer.from('eth0'))).toBe('eth0');
  });

  it('rejects an attribute longer than the buffer', () => {
    expect(() => parseAttrs(hex('0c000100 aabbccdd'))).toThrow(RangeError);
  });

  it('ignores trailing bytes too short for an attribute header', () => {
    expect(parseAttrs(hex('05000100ab000000 0000'))).toHaveLength(1);
  });
});

describe('parseMessages', () => {
  it('splits a datagram holding two messages', () => {
    const a = encodeMessage({ type: 16, header: encodeIfInfoMsg({ index: 1 }) }, 2, 7);
    const b = encodeMessage({ type: 3, header: Buffer.alloc(4) }, 2, 7);
    const msgs = parseMessages(Buffer.concat([a, b]));
    expect(msgs.map((m) => [m.type, m.seq, m.payload.length])).toEqual([
      [16, 7, 16],
      [3, 7, 4],
    ]);
    expect(decodeIfInfoMsg(msgs[0]?.payload ?? Buffer.alloc(16)).index).toBe(1);
  });

  it('rejects a message whose length runs past the datagram', () => {
    expect(() => parseMessages(hex('40000000 1000 0000 01000000 00000000'))).toThrow(RangeError);
  });
});

describe('parseErrorReply', () => {
  it('reads an ACK (errno 0, capped)', () => {
    const [msg] = parseMessages(hex('24000000 0200 0001 05000000 00000000  00000000  38000000 1000 0506 05000000 00000000'));
    expect(msg && parseErrorReply(msg)).toEqual({ errno: 0, extAck: undefined, extAckOffset: undefined, requestSeq: 5 });
  });

  it('reads errno and the extended ACK message after a capped echo', () => {
    // error -95 (EOPNOTSUPP), echoed header, NLMSGERR_ATTR_MSG "Unknown device type"
    const text = Buffer.from('Unknown device type\0');
    const tlv = Buffer.concat([hex('1800 0100'), text]);
    const payload = Buffer.concat([hex('a1ffffff 38000000 1000 0506 09000000 00000000'), tlv]);
    const len = 16 + payload.length;
    const head = Buffer.alloc(16);
    head.writeUInt32LE(len, 0);
    head.writeUInt16LE(2, 4);
    head.writeUInt16LE(0x300, 6);
    head.writeUInt32LE(9, 8);
    const [msg] = parseMessages(Buffer.concat([head, payload]));
    const reply = msg && parseErrorReply(msg);
    expect(reply?.errno).toBe(95);
    expect(reply?.extAck).toBe('Unknown device type');
    expect(reply?.requestSeq).toBe(9);
  });

  it('skips the full echoed request when not capped', () => {
    const request = encodeMessage({ type: 16, header: encodeIfInfoMsg(), attrs: [stringAttr(3, 'x')] }, 5, 3);
    const tlvs = encodeAttrs([stringAttr(1, 'bad thing'), u32Attr(2, 32)]);
    const err = Buffer.alloc(4);
    err.writeInt32LE(-22);
    const payload = Buffer.concat([err, request, tlvs]);
    const head = Buffer.alloc(16);
    head.writeUInt32LE(16 + payload.length, 0);
    head.writeUInt16LE(2, 4);
    head.writeUInt16LE(0x200, 6);
    head.writeUInt32LE(3, 8);
    const [msg] = parseMessages(Buffer.concat([head, payload]));
    expect(msg && parseErrorReply(msg)).toEqual({ errno: 22, extAck: 'bad thing', extAckOffset: 32, requestSeq: 3 });
  });
});

describe('parseDoneReply', () => {
  it('reads a dump error carried by NLMSG_DONE', () => {
    const [msg] = parseMessages(hex('14000000 0300 0202 04000000 00000000 eaffffff'));
    expect(msg && parseDoneReply(msg).errno).toBe(22);
  });

  it('treats a zero-payload DONE as success', () => {
    const [msg] = parseMessages(hex('14000000 0300 0200 04000000 00000000 00000000'));
    expect(msg && parseDoneReply(msg).errno).toBe(0);
  });
});
