import { describe, expect, it } from 'vitest';
import {
  CTA_ID,
  CTA_IP_V4_DST,
  CTA_IP_V4_SRC,
  CTA_PROTO_DST_PORT,
  CTA_PROTO_NUM,
  CTA_PROTO_SRC_PORT,
  CTA_TUPLE_IP,
  CTA_TUPLE_ORIG,
  CTA_TUPLE_PROTO,
  NETLINK_NETFILTER,
  NLA_F_NESTED,
} from './constants.ts';
import { ConntrackUnavailableError, deleteConntrackEntries } from './conntrack.ts';
import { FakeTransport, fakeAck, fakeDone, fakeMessage } from '../testing/fake-transport.ts';
import { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, encodeAttrs, nestedAttr, parseAttrs, u8Attr } from './wire.ts';
import { encodeNfGenMsg, NFGENMSG_LEN } from './headers.ts';
import type { NlMessage } from './wire.ts';

const CT_NEW = 0x100;
const CT_GET = 0x101;
const CT_DELETE = 0x102;

function be16(type: number, v: number): ReturnType<typeof bytesAttr> {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return bytesAttr(type, b);
}

function entry(seq: number, proto: number, dport: number, id: number): Buffer {
  const tuple = nestedAttr(CTA_TUPLE_ORIG | NLA_F_NESTED, [
    nestedAttr(CTA_TUPLE_IP | NLA_F_NESTED, [bytesAttr(CTA_IP_V4_SRC, Buffer.from([10, 0, 0, 1])), bytesAttr(CTA_IP_V4_DST, Buffer.from([10, 0, 0, 2]))]),
    nestedAttr(CTA_TUPLE_PROTO | NLA_F_NESTED, [u8Attr(CTA_PROTO_NUM, proto), be16(CTA_PROTO_SRC_PORT, 40000), be16(CTA_PROTO_DST_PORT, dport)]),
  ]);
  const idAttr = Buffer.alloc(4);
  idAttr.writeUInt32BE(id);
  return fakeMessage(CT_NEW, 2, seq, Buffer.concat([encodeNfGenMsg({ family: 2 }), encodeAttrs([tuple, bytesAttr(CTA_ID, idAttr)])]));
}

function kernel(onRequest: (req: NlMessage) => Buffer[]): { sock: NetlinkSocket; sent: NlMessage[] } {
  const transport = new FakeTransport(onRequest);
  return { sock: new NetlinkSocket(transport, NETLINK_NETFILTER), sent: transport.sent };
}

describe('deleteConntrackEntries', () => {
  it('dumps, then deletes only matching entries by their original tuple and id', () => {
    let deletes = 0;
    const { sock, sent } = kernel((req) => {
      if (req.type === CT_GET) {
        return [Buffer.concat([entry(req.seq, 17, 8080, 1), entry(req.seq, 6, 8080, 2), entry(req.seq, 17, 9090, 3), entry(req.seq, 17, 8080, 4), fakeDone(req)])];
      }
      deletes++;
      return [fakeAck(req, deletes === 2 ? 2 : 0)]; // the second one vanished meanwhile
    });
    expect(deleteConntrackEntries(sock, { family: 4, protocol: 'udp', dstPort: 8080 })).toBe(1);
    const dels = sent.filter((m) => m.type === CT_DELETE);
    expect(dels).toHaveLength(2);
    const first = dels[0];
    expect(first?.payload.subarray(0, NFGENMSG_LEN).toString('hex')).toBe('02000000');
    const attrs = parseAttrs(first?.payload.subarray(NFGENMSG_LEN) ?? Buffer.alloc(0));
    expect(attrs.map((a) => [a.type, a.nested])).toEqual([
      [CTA_TUPLE_ORIG, true],
      [CTA_ID, false],
    ]);
    const proto = attrMap(attrMap(attrs[0]?.value ?? Buffer.alloc(0)).get(CTA_TUPLE_PROTO) ?? Buffer.alloc(0));
    expect(proto.get(CTA_PROTO_DST_PORT)?.readUInt16BE(0)).toBe(8080);
  });

  it('reports a missing ctnetlink subsystem as ConntrackUnavailableError', () => {
    const { sock } = kernel((req) => [fakeAck(req, 22)]);
    expect(() => deleteConntrackEntries(sock, { family: 4, protocol: 'udp', dstPort: 1 })).toThrow(ConntrackUnavailableError);
  });

  it('propagates other delete failures', () => {
    const { sock } = kernel((req) => (req.type === CT_GET ? [Buffer.concat([entry(req.seq, 17, 53, 1), fakeDone(req)])] : [fakeAck(req, 1)]));
    expect(() => deleteConntrackEntries(sock, { family: 4, protocol: 17, dstPort: 53 })).toThrow(expect.objectContaining({ code: 'EPERM' }));
  });
});
