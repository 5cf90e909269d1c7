import { describe, expect, it } from 'vitest';
import {
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  NETLINK_ROUTE,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_GETLINK,
  RTM_NEWLINK,
  VETH_INFO_PEER,
} from './constants.ts';
import { FakeTransport, fakeAck, fakeMessage } from '../testing/fake-transport.ts';
import { NetlinkSocket } from './socket.ts';
import { createVeth } from './veth.ts';
import { attrMap, encodeAttrs, readString, readU32, stringAttr } from './wire.ts';
import { encodeIfInfoMsg, IFINFOMSG_LEN } from './headers.ts';

describe('createVeth', () => {
  it('sends one RTM_NEWLINK with the peer (and its netns fd) inside VETH_INFO_PEER, then reads the link back', () => {
    const transport = new FakeTransport((req) =>
      req.type === RTM_GETLINK
        ? [fakeMessage(RTM_NEWLINK, 0, req.seq, Buffer.concat([encodeIfInfoMsg({ index: 12 }), encodeAttrs([stringAttr(IFLA_IFNAME, 'veth0')])])), fakeAck(req)]
        : [fakeAck(req)],
    );
    const sock = new NetlinkSocket(transport, NETLINK_ROUTE);
    const link = createVeth(sock, { name: 'veth0', mtu: 1450, mac: '02:00:00:00:00:01', peer: { name: 'eth0', mac: '02:00:00:00:00:02', netnsFd: 42 } });
    expect(link.index).toBe(12);

    const create = transport.sent[0];
    expect(create?.type).toBe(RTM_NEWLINK);
    expect((create?.flags ?? 0) & (NLM_F_CREATE | NLM_F_EXCL)).toBe(NLM_F_CREATE | NLM_F_EXCL);
    const top = attrMap(create?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0));
    expect(readString(top.get(IFLA_IFNAME) ?? Buffer.alloc(0))).toBe('veth0');
    expect(readU32(top.get(IFLA_MTU))).toBe(1450);
    expect(top.get(IFLA_ADDRESS)?.toString('hex')).toBe('020000000001');
    expect(top.has(IFLA_NET_NS_FD)).toBe(false);

    const info = attrMap(top.get(IFLA_LINKINFO) ?? Buffer.alloc(0));
    expect(readString(info.get(IFLA_INFO_KIND) ?? Buffer.alloc(0))).toBe('veth');
    const peerValue = attrMap(info.get(IFLA_INFO_DATA) ?? Buffer.alloc(0)).get(VETH_INFO_PEER) ?? Buffer.alloc(0);
    const peer = attrMap(peerValue.subarray(IFINFOMSG_LEN));
    expect(readString(peer.get(IFLA_IFNAME) ?? Buffer.alloc(0))).toBe('eth0');
    expect(readU32(peer.get(IFLA_MTU))).toBe(1450); // defaults to the first end's MTU
    expect(peer.get(IFLA_ADDRESS)?.toString('hex')).toBe('020000000002');
    expect(readU32(peer.get(IFLA_NET_NS_FD))).toBe(42);
  });

  it('surfaces EEXIST from the kernel', () => {
    const sock = new NetlinkSocket(new FakeTransport((req) => [fakeAck(req, 17)]), NETLINK_ROUTE);
    expect(() => createVeth(sock, { name: 'a', peer: { name: 'b' } })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  });
});
