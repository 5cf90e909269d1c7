import { describe, expect, it } from 'vitest';
import {
  AF_UNSPEC,
  IFF_ALLMULTI,
  IFF_LOWER_UP,
  IFF_PROMISC,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINK,
  IFLA_LINK_NETNSID,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MAX_MTU,
  IFLA_MIN_MTU,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_TXQLEN,
  NETLINK_ROUTE,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
} from './constants.ts';
import { FakeTransport, fakeAck, fakeMessage } from '../testing/fake-transport.ts';
import { deleteLink, getLink, parseLink, setLink } from './link.ts';
import { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, encodeAttrs, nestedAttr, readString, readU32, stringAttr, u32Attr, u8Attr } from './wire.ts';
import { decodeIfInfoMsg, encodeIfInfoMsg, IFINFOMSG_LEN } from './headers.ts';
import type { Attr, NlMessage } from './wire.ts';

function newlink(seq: number, index: number, attrs: Attr[], flags = 0): Buffer {
  return fakeMessage(RTM_NEWLINK, 0, seq, Buffer.concat([encodeIfInfoMsg({ index, flags, type: 1 }), encodeAttrs(attrs)]));
}

function kernel(onRequest: (req: NlMessage) => Buffer[]): { sock: NetlinkSocket; sent: NlMessage[] } {
  const transport = new FakeTransport(onRequest);
  return { sock: new NetlinkSocket(transport, NETLINK_ROUTE), sent: transport.sent };
}

describe('parseLink', () => {
  it('decodes name, kind, master, mtu, mac, flags, operstate and the veth peer', () => {
    const buf = newlink(1, 7, [
      stringAttr(IFLA_IFNAME, 'veth1'),
      u32Attr(IFLA_MTU, 1450),
      bytesAttr(IFLA_ADDRESS, Buffer.from('0200000000aa', 'hex')),
      u32Attr(IFLA_MASTER, 3),
      u32Attr(IFLA_LINK, 2),
      u32Attr(IFLA_LINK_NETNSID, 0),
      u8Attr(IFLA_OPERSTATE, 6),
      nestedAttr(IFLA_LINKINFO, [stringAttr(IFLA_INFO_KIND, 'veth'), stringAttr(IFLA_INFO_SLAVE_KIND, 'bridge')]),
    ], IFF_UP | IFF_LOWER_UP | IFF_PROMISC);
    const parsed = parseLink({ type: RTM_NEWLINK, flags: 0, seq: 1, pid: 0, payload: buf.subarray(16) });
    expect(parsed).toEqual({
      index: 7,
      name: 'veth1',
      kind: 'veth',
      slaveKind: 'bridge',
      master: 3,
      mtu: 1450,
      mac: '02:00:00:00:00:aa',
      flags: IFF_UP | IFF_LOWER_UP | IFF_PROMISC,
      up: true,
      lowerUp: true,
      promisc: true,
      allmulti: false,
      operstate: 'up',
      link: 2,
      linkNetnsId: 0,
      type: 1,
    });
  });

  it('decodes allmulti, the transmit queue length and the driver MTU range', () => {
    const buf = newlink(1, 9, [stringAttr(IFLA_IFNAME, 'eth0'), u32Attr(IFLA_TXQLEN, 321), u32Attr(IFLA_MIN_MTU, 68), u32Attr(IFLA_MAX_MTU, 65535)], IFF_ALLMULTI);
    const parsed = parseLink({ type: RTM_NEWLINK, flags: 0, seq: 1, pid: 0, payload: buf.subarray(16) });
    expect(parsed).toMatchObject({ allmulti: true, promisc: false, txQueueLen: 321, minMtu: 68, maxMtu: 65535 });
  });

  it('leaves optional fields undefined for a bare device and ignores a negative netns id', () => {
    const buf = newlink(1, 1, [stringAttr(IFLA_IFNAME, 'lo'), u32Attr(IFLA_MTU, 65536), u32Attr(IFLA_LINK_NETNSID, 0xffffffff)]);
    const parsed = parseLink({ type: RTM_NEWLINK, flags: 0, seq: 1, pid: 0, payload: buf.subarray(16) });
    expect(parsed).toMatchObject({ name: 'lo', kind: undefined, master: undefined, mac: undefined, link: undefined, linkNetnsId: undefined, up: false, operstate: 'unknown' });
  });
});

describe('getLink', () => {
  it('asks by name with IFLA_IFNAME and index 0', () => {
    const { sock, sent } = kernel((req) => [newlink(req.seq, 4, [stringAttr(IFLA_IFNAME, 'br0')]), fakeAck(req)]);
    expect(getLink(sock, 'br0')?.index).toBe(4);
    const req = sent[0];
    expect(req?.type).toBe(RTM_GETLINK);
    expect(decodeIfInfoMsg(req?.payload ?? Buffer.alloc(16)).index).toBe(0);
    expect(readString(attrMap(req?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0)).get(IFLA_IFNAME) ?? Buffer.alloc(0))).toBe('br0');
  });

  it('returns undefined on ENODEV and rethrows other errors', () => {
    expect(getLink(kernel((req) => [fakeAck(req, 19)]).sock, 9)).toBeUndefined();
    expect(() => getLink(kernel((req) => [fakeAck(req, 1)]).sock, 9)).toThrow(expect.objectContaining({ code: 'EPERM' }));
  });
});

describe('setLink', () => {
  it('puts up/promisc into ifi_flags/ifi_change and the rest into attributes', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    setLink(sock, 5, { up: true, promisc: false, mtu: 1400, mac: '02:00:00:00:00:01', master: 3 });
    const req = sent[0];
    expect(req?.type).toBe(RTM_SETLINK);
    const ifi = decodeIfInfoMsg(req?.payload ?? Buffer.alloc(16));
    expect(ifi).toMatchObject({ family: AF_UNSPEC, index: 5, flags: IFF_UP, change: IFF_UP | IFF_PROMISC });
    const attrs = attrMap(req?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0));
    expect(readU32(attrs.get(IFLA_MTU))).toBe(1400);
    expect(attrs.get(IFLA_ADDRESS)?.toString('hex')).toBe('020000000001');
    expect(readU32(attrs.get(IFLA_MASTER))).toBe(3);
  });

  it('sets allmulti through ifi_change and the queue length as IFLA_TXQLEN', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    setLink(sock, 5, { allmulti: true, txQueueLen: 0 });
    const ifi = decodeIfInfoMsg(sent[0]?.payload ?? Buffer.alloc(16));
    expect(ifi).toMatchObject({ flags: IFF_ALLMULTI, change: IFF_ALLMULTI });
    expect(readU32(attrMap(sent[0]?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0)).get(IFLA_TXQLEN))).toBe(0);
  });

  it('releases from the master with IFLA_MASTER 0 and leaves flags alone', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    setLink(sock, 'eth0', { master: null });
    const ifi = decodeIfInfoMsg(sent[0]?.payload ?? Buffer.alloc(16));
    expect(ifi).toMatchObject({ index: 0, flags: 0, change: 0 });
    expect(readU32(attrMap(sent[0]?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0)).get(IFLA_MASTER))).toBe(0);
  });

  it('looks the index up before renaming a link given by name', () => {
    const { sock, sent } = kernel((req) =>
      req.type === RTM_GETLINK ? [newlink(req.seq, 8, [stringAttr(IFLA_IFNAME, 'old')]), fakeAck(req)] : [fakeAck(req)],
    );
    setLink(sock, 'old', { name: 'new' });
    expect(sent.map((m) => m.type)).toEqual([RTM_GETLINK, RTM_SETLINK]);
    const set = sent[1];
    expect(decodeIfInfoMsg(set?.payload ?? Buffer.alloc(16)).index).toBe(8);
    expect(readString(attrMap(set?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0)).get(IFLA_IFNAME) ?? Buffer.alloc(0))).toBe('new');
  });
});

describe('deleteLink', () => {
  it('returns true on success, false on ENODEV, and throws otherwise', () => {
    const ok = kernel((req) => [fakeAck(req)]);
    expect(deleteLink(ok.sock, 'x')).toBe(true);
    expect(ok.sent[0]?.type).toBe(RTM_DELLINK);
    expect(deleteLink(kernel((req) => [fakeAck(req, 19)]).sock, 'x')).toBe(false);
    expect(() => deleteLink(kernel((req) => [fakeAck(req, 16)]).sock, 'x')).toThrow(expect.objectContaining({ code: 'EBUSY' }));
  });
});
