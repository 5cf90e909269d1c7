import { describe, expect, it } from 'vitest';
import { IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, NETLINK_ROUTE, RTM_GETLINK, RTM_NEWLINK } from './constants.ts';
import { FakeTransport, fakeAck, fakeMessage } from '../testing/fake-transport.ts';
import { encodeIfInfoMsg } from './headers.ts';
import { NetlinkSocket } from './socket.ts';
import {
  IFLA_TUN_GROUP,
  IFLA_TUN_MULTI_QUEUE,
  IFLA_TUN_NUM_QUEUES,
  IFLA_TUN_OWNER,
  IFLA_TUN_PERSIST,
  IFLA_TUN_PI,
  IFLA_TUN_TYPE,
  IFLA_TUN_VNET_HDR,
  getTunInfo,
  parseTunInfo,
} from './tun.ts';
import { type Attr, encodeAttrs, nestedAttr, stringAttr, u32Attr, u8Attr } from './wire.ts';

function linkMessage(kind: string, data: Attr[]): Buffer {
  const info = nestedAttr(IFLA_LINKINFO, [stringAttr(IFLA_INFO_KIND, kind), nestedAttr(IFLA_INFO_DATA, data)]);
  return Buffer.concat([encodeIfInfoMsg({ index: 9 }), encodeAttrs([stringAttr(IFLA_IFNAME, 'tap0'), info])]);
}

const TAP_DATA = [
  u32Attr(IFLA_TUN_OWNER, 1000),
  u32Attr(IFLA_TUN_GROUP, 100),
  u8Attr(IFLA_TUN_TYPE, 2),
  u8Attr(IFLA_TUN_PI, 0),
  u8Attr(IFLA_TUN_VNET_HDR, 1),
  u8Attr(IFLA_TUN_PERSIST, 1),
  u8Attr(IFLA_TUN_MULTI_QUEUE, 1),
  u32Attr(IFLA_TUN_NUM_QUEUES, 0),
];

describe('parseTunInfo', () => {
  it('reads type, owner, group and the flags from IFLA_INFO_DATA', () => {
    expect(parseTunInfo({ type: RTM_NEWLINK, flags: 0, seq: 1, pid: 0, payload: linkMessage('tun', TAP_DATA) })).toEqual({
      type: 'tap',
      owner: 1000,
      group: 100,
      pi: false,
      vnetHdr: true,
      persist: true,
      multiQueue: true,
      queues: 0,
    });
  });

  it('reports no owner or group when the kernel sends none (none was set)', () => {
    const info = parseTunInfo({ type: RTM_NEWLINK, flags: 0, seq: 1, pid: 0, payload: linkMessage('tun', [u8Attr(IFLA_TUN_TYPE, 1), u8Attr(IFLA_TUN_PI, 1)]) });
    expect(info).toMatchObject({ type: 'tun', owner: undefined, group: undefined, pi: true, persist: false, multiQueue: false });
  });

  it('is undefined for a link of another kind', () => {
    expect(parseTunInfo({ type: RTM_NEWLINK, flags: 0, seq: 1, pid: 0, payload: linkMessage('veth', []) })).toBeUndefined();
  });
});

describe('getTunInfo', () => {
  it('asks for the link by name and decodes the answer; ENODEV is undefined', () => {
    const transport = new FakeTransport((req) => [fakeMessage(RTM_NEWLINK, 0, req.seq, linkMessage('tun', TAP_DATA)), fakeAck(req)]);
    expect(getTunInfo(new NetlinkSocket(transport, NETLINK_ROUTE), 'tap0')?.owner).toBe(1000);
    expect(transport.sent[0]?.type).toBe(RTM_GETLINK);
    const gone = new NetlinkSocket(new FakeTransport((req) => [fakeAck(req, 19)]), NETLINK_ROUTE);
    expect(getTunInfo(gone, 'tap0')).toBeUndefined();
  });
});
