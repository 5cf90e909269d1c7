import { describe, expect, it } from 'vitest';
import {
  AF_INET,
  AF_INET6,
  NETLINK_ROUTE,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RTA_DST,
  RTA_GATEWAY,
  RTA_METRICS,
  RTA_OIF,
  RTA_PRIORITY,
  RTA_TABLE,
  RTAX_ADVMSS,
  RTAX_MTU,
  RTM_DELROUTE,
  RTM_NEWROUTE,
  RTNH_F_ONLINK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
} from './constants.ts';
import { FakeTransport, fakeAck, fakeDone, fakeMessage } from '../testing/fake-transport.ts';
import { addRoute, deleteRoute, listRoutes, replaceRoute } from './route.ts';
import { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, encodeAttrs, nestedAttr, readU32, u32Attr } from './wire.ts';
import { decodeRtMsg, encodeRtMsg, RTMSG_LEN } from './headers.ts';
import type { NlMessage } from './wire.ts';

function kernel(onRequest: (req: NlMessage) => Buffer[]): { sock: NetlinkSocket; sent: NlMessage[] } {
  const transport = new FakeTransport(onRequest);
  return { sock: new NetlinkSocket(transport, NETLINK_ROUTE), sent: transport.sent };
}

function attrsOf(msg: NlMessage | undefined): Map<number, Buffer> {
  return attrMap(msg?.payload.subarray(RTMSG_LEN) ?? Buffer.alloc(0));
}

describe('addRoute', () => {
  it('encodes a default route via a gateway like `ip route add default via`', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    addRoute(sock, { dst: '0.0.0.0/0', gateway: '10.22.0.1' });
    expect(sent[0]?.type).toBe(RTM_NEWROUTE);
    expect(decodeRtMsg(sent[0]?.payload ?? Buffer.alloc(12))).toEqual({
      family: AF_INET, dstLen: 0, srcLen: 0, tos: 0, table: 254, protocol: 3, scope: RT_SCOPE_UNIVERSE, type: 1, flags: 0,
    });
    const a = attrsOf(sent[0]);
    expect(a.has(RTA_DST)).toBe(false);
    expect(a.get(RTA_GATEWAY)?.toString('hex')).toBe('0a160001');
    expect(readU32(a.get(RTA_TABLE))).toBe(254);
  });

  it('uses link scope without a gateway and encodes oif, metric, table, metrics and onlink', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    addRoute(sock, { dst: '10.1.0.0/16', oif: 7, priority: 100, table: 1000, mtu: 1400, advmss: 1360, onlink: true });
    const hdr = decodeRtMsg(sent[0]?.payload ?? Buffer.alloc(12));
    expect(hdr).toMatchObject({ dstLen: 16, scope: RT_SCOPE_LINK, table: 0, flags: RTNH_F_ONLINK });
    const a = attrsOf(sent[0]);
    expect(a.get(RTA_DST)?.toString('hex')).toBe('0a010000');
    expect(readU32(a.get(RTA_OIF))).toBe(7);
    expect(readU32(a.get(RTA_PRIORITY))).toBe(100);
    expect(readU32(a.get(RTA_TABLE))).toBe(1000);
    const m = attrMap(a.get(RTA_METRICS) ?? Buffer.alloc(0));
    expect(readU32(m.get(RTAX_MTU))).toBe(1400);
    expect(readU32(m.get(RTAX_ADVMSS))).toBe(1360);
  });

  it('rejects a gateway of the other family before sending', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    expect(() => addRoute(sock, { dst: '::/0', gateway: '10.0.0.1' })).toThrow(TypeError);
    expect(sent).toHaveLength(0);
  });

  it('surfaces EEXIST', () => {
    expect(() => addRoute(kernel((req) => [fakeAck(req, 17)]).sock, { dst: '::/0', gateway: 'fe80::1', oif: 2 })).toThrow(
      expect.objectContaining({ code: 'EEXIST' }),
    );
  });
});

describe('replaceRoute', () => {
  it('sends create+replace (not exclusive) with the table above 255 in RTA_TABLE only', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    replaceRoute(sock, { dst: '0.0.0.0/0', gateway: '10.0.0.1', oif: 3, table: 300 });
    expect(sent[0]?.type).toBe(RTM_NEWROUTE);
    expect((sent[0]?.flags ?? 0) & (NLM_F_CREATE | NLM_F_REPLACE | NLM_F_EXCL)).toBe(NLM_F_CREATE | NLM_F_REPLACE);
    expect(decodeRtMsg(sent[0]?.payload ?? Buffer.alloc(12)).table).toBe(0);
    expect(readU32(attrsOf(sent[0]).get(RTA_TABLE))).toBe(300);
  });
});

describe('deleteRoute', () => {
  it('uses wildcard scope/type/protocol and reports ESRCH as gone', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    expect(deleteRoute(sock, { dst: '2001:db8::/64' })).toBe(true);
    expect(sent[0]?.type).toBe(RTM_DELROUTE);
    expect(decodeRtMsg(sent[0]?.payload ?? Buffer.alloc(12))).toMatchObject({ family: AF_INET6, dstLen: 64, scope: RT_SCOPE_NOWHERE, type: 0, protocol: 0 });
    expect(deleteRoute(kernel((req) => [fakeAck(req, 3)]).sock, { dst: '10.0.0.0/8' })).toBe(false);
  });
});

describe('listRoutes', () => {
  it('decodes routes and keeps only the main table by default', () => {
    const route = (seq: number, table: number, attrs: ReturnType<typeof bytesAttr>[], dstLen: number): Buffer =>
      fakeMessage(RTM_NEWROUTE, 2, seq, Buffer.concat([encodeRtMsg({ family: AF_INET, dstLen, table, protocol: 3, type: 1 }), encodeAttrs(attrs)]));
    const { sock } = kernel((req) => [
      Buffer.concat([
        route(req.seq, 254, [bytesAttr(RTA_GATEWAY, Buffer.from([10, 0, 0, 1])), u32Attr(RTA_OIF, 2), u32Attr(RTA_TABLE, 254)], 0),
        route(req.seq, 254, [bytesAttr(RTA_DST, Buffer.from([10, 2, 0, 0])), u32Attr(RTA_OIF, 2), nestedAttr(RTA_METRICS, [u32Attr(RTAX_MTU, 1300)])], 16),
        route(req.seq, 255, [bytesAttr(RTA_DST, Buffer.from([127, 0, 0, 1])), u32Attr(RTA_TABLE, 255)], 32),
        fakeDone(req),
      ]),
    ]);
    const routes = listRoutes(sock);
    expect(routes.map((r) => [r.dst, r.gateway, r.oif, r.mtu])).toEqual([
      ['0.0.0.0/0', '10.0.0.1', 2, undefined],
      ['10.2.0.0/16', undefined, 2, 1300],
    ]);
    expect(listRoutes(sock, { table: 'all' })).toHaveLength(3);
  });
});
