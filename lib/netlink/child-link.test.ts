import { describe, expect, it } from 'vitest';
import { FakeTransport, fakeAck, fakeMessage } from '../testing/fake-transport.ts';
import { createChildLink, getLinkWithInfoData } from './child-link.ts';
import {
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  NETLINK_ROUTE,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_GETLINK,
  RTM_NEWLINK,
} from './constants.ts';
import { IFINFOMSG_LEN, encodeIfInfoMsg } from './headers.ts';
import { IFLA_IPVLAN_MODE, ipvlanKind, ipvlanModeOf } from './ipvlan.ts';
import { IFLA_MACVLAN_BC_QUEUE_LEN, IFLA_MACVLAN_MODE, macvlanKind, macvlanModeOf } from './macvlan.ts';
import { NetlinkSocket } from './socket.ts';
import { type Attr, attrMap, encodeAttrs, nestedAttr, readString, readU32, stringAttr } from './wire.ts';

const empty = Buffer.alloc(0);

function sent(transport: FakeTransport, i = 0) {
  const msg = transport.sent[i];
  const top = attrMap(msg?.payload.subarray(IFINFOMSG_LEN) ?? empty);
  const info = attrMap(top.get(IFLA_LINKINFO) ?? empty);
  return { msg, top, info, data: attrMap(info.get(IFLA_INFO_DATA) ?? empty) };
}

function linkReply(seq: number, name: string, kind: string, data: Attr[]): Buffer {
  const attrs = encodeAttrs([stringAttr(IFLA_IFNAME, name), nestedAttr(IFLA_LINKINFO, [stringAttr(IFLA_INFO_KIND, kind), nestedAttr(IFLA_INFO_DATA, data)])]);
  return fakeMessage(RTM_NEWLINK, 0, seq, Buffer.concat([encodeIfInfoMsg({ index: 7 }), attrs]));
}

describe('createChildLink', () => {
  it('sends one RTM_NEWLINK naming the parent (IFLA_LINK), the netns fd and a macvlan in bridge mode', () => {
    const transport = new FakeTransport((req) => [fakeAck(req)]);
    const sock = new NetlinkSocket(transport, NETLINK_ROUTE);
    createChildLink(sock, { name: 'veth0123abcd', parentIndex: 4, info: macvlanKind('bridge'), mtu: 1400, mac: '02:00:00:00:00:09', netnsFd: 33 });
    const { msg, top, info, data } = sent(transport);
    expect(transport.sent).toHaveLength(1);
    expect(msg?.type).toBe(RTM_NEWLINK);
    expect((msg?.flags ?? 0) & (NLM_F_CREATE | NLM_F_EXCL)).toBe(NLM_F_CREATE | NLM_F_EXCL);
    expect(readString(top.get(IFLA_IFNAME) ?? empty)).toBe('veth0123abcd');
    expect(readU32(top.get(IFLA_LINK))).toBe(4);
    expect(readU32(top.get(IFLA_MTU))).toBe(1400);
    expect(top.get(IFLA_ADDRESS)?.toString('hex')).toBe('020000000009');
    expect(readU32(top.get(IFLA_NET_NS_FD))).toBe(33);
    expect(readString(info.get(IFLA_INFO_KIND) ?? empty)).toBe('macvlan');
    expect(readU32(data.get(IFLA_MACVLAN_MODE))).toBe(4); // MACVLAN_MODE_BRIDGE
    expect(data.has(IFLA_MACVLAN_BC_QUEUE_LEN)).toBe(false);
  });

  it.each([
    ['private', 1],
    ['vepa', 2],
    ['passthru', 8],
  ] as const)('macvlan mode %s is MACVLAN_MODE value %d; bcqueuelen is sent when set', (mode, value) => {
    const transport = new FakeTransport((req) => [fakeAck(req)]);
    createChildLink(new NetlinkSocket(transport, NETLINK_ROUTE), { name: 'x', parentIndex: 2, info: macvlanKind(mode, 500) });
    const { top, data } = sent(transport);
    expect(readU32(data.get(IFLA_MACVLAN_MODE))).toBe(value);
    expect(readU32(data.get(IFLA_MACVLAN_BC_QUEUE_LEN))).toBe(500);
    expect(top.has(IFLA_NET_NS_FD)).toBe(false); // born in the socket's own namespace
    expect(top.has(IFLA_MTU)).toBe(false);
  });

  it.each([
    ['l2', 0],
    ['l3', 1],
    ['l3s', 2],
  ] as const)('ipvlan mode %s is a u16 IFLA_IPVLAN_MODE of %d under kind "ipvlan"', (mode, value) => {
    const transport = new FakeTransport((req) => [fakeAck(req)]);
    createChildLink(new NetlinkSocket(transport, NETLINK_ROUTE), { name: 'veth00000001', parentIndex: 3, info: ipvlanKind(mode), netnsFd: 9 });
    const { info, data } = sent(transport);
    expect(readString(info.get(IFLA_INFO_KIND) ?? empty)).toBe('ipvlan');
    const raw = data.get(IFLA_IPVLAN_MODE);
    expect(raw?.length).toBe(2);
    expect(raw?.readUInt16LE(0)).toBe(value);
  });

  it('surfaces EOPNOTSUPP, what a kernel without the kind answers', () => {
    const sock = new NetlinkSocket(new FakeTransport((req) => [fakeAck(req, 95)]), NETLINK_ROUTE);
    expect(() => createChildLink(sock, { name: 'x', parentIndex: 2, info: ipvlanKind('l2') })).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
  });
});

describe('getLinkWithInfoData and the modes read back', () => {
  it('decodes a macvlan and an ipvlan mode from IFLA_INFO_DATA', () => {
    const transport = new FakeTransport((req) => [linkReply(req.seq, 'eth0', 'macvlan', [...macvlanKind('vepa').data]), fakeAck(req)]);
    const sock = new NetlinkSocket(transport, NETLINK_ROUTE);
    const mac = getLinkWithInfoData(sock, 'eth0');
    expect(mac?.link.kind).toBe('macvlan');
    expect(macvlanModeOf(mac?.data ?? new Map())).toBe('vepa');
    const l3s = attrMap(encodeAttrs(ipvlanKind('l3s').data));
    expect(ipvlanModeOf(l3s)).toBe('l3s');
    expect(ipvlanModeOf(new Map())).toBeUndefined();
  });

  it('is undefined for a link that does not exist (ENODEV)', () => {
    const sock = new NetlinkSocket(new FakeTransport((req) => [fakeAck(req, 19)]), NETLINK_ROUTE);
    expect(getLinkWithInfoData(sock, 'nope')).toBeUndefined();
  });
});
