import { describe, expect, it } from 'vitest';
import { IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MTU, NETLINK_ROUTE, NLM_F_CREATE, NLM_F_EXCL, RTM_GETLINK, RTM_NEWLINK } from './constants.ts';
import { FakeTransport, fakeAck, fakeMessage } from '../testing/fake-transport.ts';
import { createDummy } from './dummy.ts';
import { IFINFOMSG_LEN, decodeIfInfoMsg, encodeIfInfoMsg } from './headers.ts';
import { NetlinkSocket } from './socket.ts';
import { attrMap, encodeAttrs, readString, readU32, stringAttr } from './wire.ts';

function kernel(errno = 0): FakeTransport {
  return new FakeTransport((req) =>
    req.type === RTM_GETLINK
      ? [fakeMessage(RTM_NEWLINK, 0, req.seq, Buffer.concat([encodeIfInfoMsg({ index: 7 }), encodeAttrs([stringAttr(IFLA_IFNAME, 'dummy0')])])), fakeAck(req)]
      : [fakeAck(req, errno)],
  );
}

describe('createDummy', () => {
  it('sends one exclusive RTM_NEWLINK of kind "dummy" (no kind data), created down, then reads the link back', () => {
    const transport = kernel();
    const link = createDummy(new NetlinkSocket(transport, NETLINK_ROUTE), { name: 'dummy0', mtu: 9000 });
    expect(link.index).toBe(7);
    const create = transport.sent[0];
    expect(create?.type).toBe(RTM_NEWLINK);
    expect((create?.flags ?? 0) & (NLM_F_CREATE | NLM_F_EXCL)).toBe(NLM_F_CREATE | NLM_F_EXCL);
    const ifi = decodeIfInfoMsg(create?.payload ?? Buffer.alloc(0));
    expect(ifi.flags & 1).toBe(0);
    const top = attrMap(create?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0));
    expect(readString(top.get(IFLA_IFNAME) ?? Buffer.alloc(0))).toBe('dummy0');
    expect(readU32(top.get(IFLA_MTU))).toBe(9000);
    const info = attrMap(top.get(IFLA_LINKINFO) ?? Buffer.alloc(0));
    expect(readString(info.get(IFLA_INFO_KIND) ?? Buffer.alloc(0))).toBe('dummy');
    expect(info.has(IFLA_INFO_DATA)).toBe(false);
    expect(transport.sent[1]?.type).toBe(RTM_GETLINK);
  });

  it('leaves the MTU to the kernel when none is given', () => {
    const transport = kernel();
    createDummy(new NetlinkSocket(transport, NETLINK_ROUTE), { name: 'dummy0' });
    expect(attrMap(transport.sent[0]?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0)).has(IFLA_MTU)).toBe(false);
  });

  it.each([
    [95, 'EOPNOTSUPP'],
    [17, 'EEXIST'],
  ])('surfaces errno %d (%s) from the kernel: a kernel without the dummy driver answers EOPNOTSUPP', (errno, code) => {
    const sock = new NetlinkSocket(kernel(errno), NETLINK_ROUTE);
    expect(() => createDummy(sock, { name: 'dummy0' })).toThrow(expect.objectContaining({ code }));
  });
});
