import { describe, expect, it } from 'vitest';
import { CniError } from '../cni/index.ts';
import { NETLINK_ROUTE, NetlinkSocket, RTM_GETLINK, RTM_NEWLINK, encodeAttrs, encodeIfInfoMsg, stringAttr, IFLA_IFNAME } from '../netlink/index.ts';
import { FakeTransport, fakeAck, fakeMessage } from '../testing/fake-transport.ts';
import { createContainerDummy } from './dummy.ts';

const ENODEV = 19;
const EOPNOTSUPP = 95;

/** A fake kernel where `existing` names the links there are, and creating answers `createErrno`. */
function kernel(existing: string[], createErrno: number): FakeTransport {
  return new FakeTransport((req) => {
    if (req.type === RTM_GETLINK) {
      if (existing.length === 0) return [fakeAck(req, ENODEV)];
      return [fakeMessage(RTM_NEWLINK, 0, req.seq, Buffer.concat([encodeIfInfoMsg({ index: 3 }), encodeAttrs([stringAttr(IFLA_IFNAME, existing[0] as string)])])), fakeAck(req)];
    }
    return [fakeAck(req, createErrno)];
  });
}

describe('createContainerDummy', () => {
  it('names the missing kernel feature when the kernel knows no link kind "dummy" (EOPNOTSUPP)', () => {
    const transport = kernel([], EOPNOTSUPP);
    let error: unknown;
    try {
      createContainerDummy(new NetlinkSocket(transport, NETLINK_ROUTE), 'eth0');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CniError);
    expect((error as CniError).msg).toBe('cannot create dummy eth0: this kernel has no dummy network driver (CONFIG_DUMMY, module dummy)');
    expect(transport.sent.map((m) => m.type)).toEqual([RTM_GETLINK, RTM_NEWLINK]);
  });

  it('refuses a CNI_IFNAME that exists, before asking the kernel for anything', () => {
    const transport = kernel(['eth0'], 0);
    expect(() => createContainerDummy(new NetlinkSocket(transport, NETLINK_ROUTE), 'eth0')).toThrow(/\(eth0\) already exists/);
    expect(transport.sent.map((m) => m.type)).toEqual([RTM_GETLINK]);
  });
});
