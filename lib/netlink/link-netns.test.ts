import { describe, expect, it } from 'vitest';
import { IFLA_IFNAME, IFLA_NET_NS_FD, NETLINK_ROUTE, RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK } from './constants.ts';
import { FakeTransport, fakeAck, fakeMessage } from '../testing/fake-transport.ts';
import { IFLA_IFALIAS, getLinkAlias, moveLinkToNetns, setLinkAlias } from './link-netns.ts';
import { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, encodeAttrs, readU32, stringAttr } from './wire.ts';
import { decodeIfInfoMsg, encodeIfInfoMsg, IFINFOMSG_LEN } from './headers.ts';

function sentAttrs(t: FakeTransport, i: number): Map<number, Buffer> {
  return attrMap(t.sent[i]?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0));
}

describe('moveLinkToNetns / setLinkAlias / getLinkAlias', () => {
  it('moves by ifindex with IFLA_NET_NS_FD only (no rename in the same request)', () => {
    const t = new FakeTransport((req) => [fakeAck(req)]);
    moveLinkToNetns(new NetlinkSocket(t, NETLINK_ROUTE), 7, 42);
    expect(t.sent[0]?.type).toBe(RTM_SETLINK);
    expect(decodeIfInfoMsg(t.sent[0]?.payload ?? Buffer.alloc(0)).index).toBe(7);
    const attrs = sentAttrs(t, 0);
    expect(readU32(attrs.get(IFLA_NET_NS_FD))).toBe(42);
    expect(attrs.has(IFLA_IFNAME)).toBe(false);
  });

  it('sends the alias without a NUL, and an empty one (which clears it) as a zero-length value', () => {
    const t = new FakeTransport((req) => [fakeAck(req)]);
    const sock = new NetlinkSocket(t, NETLINK_ROUTE);
    setLinkAlias(sock, 7, 'eth1');
    setLinkAlias(sock, 7, '');
    expect(sentAttrs(t, 0).get(IFLA_IFALIAS)?.toString('hex')).toBe(Buffer.from('eth1').toString('hex'));
    expect(sentAttrs(t, 1).get(IFLA_IFALIAS)?.length).toBe(0);
  });

  it('reads the alias: the value, "" without one, undefined for no such link', () => {
    const reply = (alias: string | undefined) =>
      new FakeTransport((req) => {
        if (req.type !== RTM_GETLINK) return [fakeAck(req)];
        const attrs = [stringAttr(IFLA_IFNAME, 'net1'), ...(alias === undefined ? [] : [bytesAttr(IFLA_IFALIAS, Buffer.from(`${alias}\0`))])];
        return [fakeMessage(RTM_NEWLINK, 0, req.seq, Buffer.concat([encodeIfInfoMsg({ index: 7 }), encodeAttrs(attrs)])), fakeAck(req)];
      });
    expect(getLinkAlias(new NetlinkSocket(reply('eth1'), NETLINK_ROUTE), 7)).toBe('eth1');
    expect(getLinkAlias(new NetlinkSocket(reply(undefined), NETLINK_ROUTE), 7)).toBe('');
    expect(getLinkAlias(new NetlinkSocket(new FakeTransport((req) => [fakeAck(req, 19)]), NETLINK_ROUTE), 'gone')).toBeUndefined();
  });
});
