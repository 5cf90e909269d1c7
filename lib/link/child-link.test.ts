import { describe, expect, it } from 'vitest';
import {
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_NET_NS_FD,
  IFINFOMSG_LEN,
  NETLINK_ROUTE,
  NetlinkSocket,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
  attrMap,
  encodeAttrs,
  encodeIfInfoMsg,
  readString,
  readU32,
  stringAttr,
} from '../netlink/index.ts';
import type { Netns } from '../netns/index.ts';
import { FakeTransport, fakeAck, fakeMessage } from '../testing/fake-transport.ts';
import type { NlMessage } from '../netlink/index.ts';
import { type ChildLinkSettings, createChildInPod } from './child-link.ts';

// The plan of messages for a child link, against the fake kernel: this is all that is proven
// of ipvlan on this machine, whose kernel has no ipvlan.

const EEXIST = 17;
const EOPNOTSUPP = 95;
const EBUSY = 16;
const empty = Buffer.alloc(0);

function attrs(m: NlMessage | undefined) {
  return attrMap(m?.payload.subarray(IFINFOMSG_LEN) ?? empty);
}

/** A pod-side fake: renames succeed (or fail with `renameErrno`), and the link reads back as eth0. */
function podKernel(renameErrno = 0) {
  return new FakeTransport((req) => {
    if (req.type === RTM_SETLINK) return [fakeAck(req, renameErrno)];
    if (req.type === RTM_GETLINK) {
      const payload = Buffer.concat([encodeIfInfoMsg({ index: 5 }), encodeAttrs([stringAttr(IFLA_IFNAME, 'eth0')])]);
      return [fakeMessage(RTM_NEWLINK, 0, req.seq, payload), fakeAck(req)];
    }
    return [fakeAck(req)];
  });
}

function setup(hostErrnos: number[], renameErrno = 0) {
  const host = new FakeTransport((req) => [fakeAck(req, hostErrnos.shift() ?? 0)]);
  const pod = podKernel(renameErrno);
  const sides = { host: new NetlinkSocket(host, NETLINK_ROUTE), ctr: new NetlinkSocket(pod, NETLINK_ROUTE), ns: { fd: 42 } as unknown as Netns };
  return { host, pod, sides };
}

const ipvlan: ChildLinkSettings = { ifname: 'eth0', kind: { kind: 'ipvlan', mode: 'l3' }, parentIndex: 2, parentInPod: false };

describe('createChildInPod', () => {
  it('creates from the node with the pod as birthplace under a random veth name, renames it in the pod, reads it back', () => {
    const { host, pod, sides } = setup([]);
    const link = createChildInPod(sides, 'eth1', ipvlan);
    expect(link).toMatchObject({ index: 5, name: 'eth0' });
    expect(host.sent.map((m) => m.type)).toEqual([RTM_NEWLINK]);
    const create = attrs(host.sent[0]);
    const temp = readString(create.get(IFLA_IFNAME) ?? empty);
    expect(temp).toMatch(/^veth[0-9a-f]{8}$/);
    expect(readU32(create.get(IFLA_NET_NS_FD))).toBe(42);
    expect(readString(attrMap(create.get(IFLA_LINKINFO) ?? empty).get(IFLA_INFO_KIND) ?? empty)).toBe('ipvlan');
    expect(pod.sent.map((m) => m.type)).toEqual([RTM_GETLINK, RTM_SETLINK, RTM_GETLINK]); // index lookup, rename, read back
    const rename = pod.sent[1];
    expect(readString(attrs(rename).get(IFLA_IFNAME) ?? empty)).toBe('eth0');
  });

  it('with the parent in the pod (linkInContainer), creates from the pod socket and sends no netns fd', () => {
    const { host, pod, sides } = setup([]);
    createChildInPod(sides, 'eth1', { ...ipvlan, kind: { kind: 'macvlan', mode: 'bridge' }, parentInPod: true });
    expect(host.sent).toHaveLength(0);
    expect(pod.sent[0]?.type).toBe(RTM_NEWLINK);
    expect(attrs(pod.sent[0]).has(IFLA_NET_NS_FD)).toBe(false);
  });

  it('retries a random name that is taken (EEXIST) with another', () => {
    const { host, sides } = setup([EEXIST, EEXIST]);
    createChildInPod(sides, 'eth1', ipvlan);
    const names = host.sent.map((m) => readString(attrs(m).get(IFLA_IFNAME) ?? empty));
    expect(names).toHaveLength(3);
    expect(new Set(names).size).toBe(3);
  });

  it('a kernel without ipvlan (EOPNOTSUPP) is a 999 naming the missing feature, and nothing is sent to the pod', () => {
    const { pod, sides } = setup([EOPNOTSUPP]);
    expect(() => createChildInPod(sides, 'eth1', ipvlan)).toThrow(
      expect.objectContaining({ code: 999, msg: 'the kernel has no ipvlan support (CONFIG_IPVLAN, module ipvlan)' }),
    );
    expect(pod.sent).toHaveLength(0);
  });

  it('a busy parent (EBUSY: a bridge port) is named', () => {
    const { sides } = setup([EBUSY]);
    expect(() => createChildInPod(sides, 'eth1', { ...ipvlan, kind: { kind: 'macvlan', mode: 'bridge' } })).toThrow(
      expect.objectContaining({ msg: 'failed to create macvlan on "eth1": the device is busy' }),
    );
  });

  it('a failed rename (the name is taken in the pod) deletes the new link and reports the name', () => {
    const { pod, sides } = setup([], EEXIST);
    expect(() => createChildInPod(sides, 'eth1', ipvlan)).toThrow(expect.objectContaining({ msg: 'container veth name provided (eth0) already exists' }));
    expect(pod.sent.map((m) => m.type)).toEqual([RTM_GETLINK, RTM_SETLINK, RTM_DELLINK]);
  });
});
