import { describe, expect, it } from 'vitest';
import { addBridgeVlan, deleteBridgeVlan, listBridgeVlans } from './bridge-vlan.ts';
import { createBridge, listBridgePorts, setBridgePortFlags } from './bridge.ts';
import {
  AF_BRIDGE,
  BRIDGE_FLAGS_SELF,
  IFLA_AF_SPEC,
  IFLA_BR_VLAN_FILTERING,
  IFLA_BRIDGE_FLAGS,
  IFLA_BRIDGE_VLAN_INFO,
  IFLA_BRPORT_ISOLATED,
  IFLA_BRPORT_MODE,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_PROTINFO,
  NETLINK_ROUTE,
  NLA_F_NESTED,
  NLM_F_DUMP,
  RTEXT_FILTER_BRVLAN,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
} from './constants.ts';
import { FakeTransport, fakeAck, fakeDone, fakeMessage } from '../testing/fake-transport.ts';
import { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, encodeAttrs, nestedAttr, parseAttrs, readString, readU32, stringAttr, u32Attr, u8Attr } from './wire.ts';
import { decodeIfInfoMsg, encodeIfInfoMsg, IFINFOMSG_LEN } from './headers.ts';
import type { Attr, NlMessage } from './wire.ts';

function kernel(onRequest: (req: NlMessage) => Buffer[]): { sock: NetlinkSocket; sent: NlMessage[] } {
  const transport = new FakeTransport(onRequest);
  return { sock: new NetlinkSocket(transport, NETLINK_ROUTE), sent: transport.sent };
}

function bridgeLink(seq: number, index: number, attrs: Attr[]): Buffer {
  return fakeMessage(RTM_NEWLINK, 2, seq, Buffer.concat([encodeIfInfoMsg({ family: AF_BRIDGE, index }), encodeAttrs(attrs)]));
}

function vlanInfo(flags: number, vid: number): Attr {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(flags, 0);
  b.writeUInt16LE(vid, 2);
  return bytesAttr(IFLA_BRIDGE_VLAN_INFO, b);
}

function attrsOf(msg: NlMessage | undefined): Map<number, Buffer> {
  return attrMap(msg?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0));
}

describe('createBridge', () => {
  it('sends kind bridge with IFLA_BR_VLAN_FILTERING in IFLA_INFO_DATA', () => {
    const { sock, sent } = kernel((req) =>
      req.type === RTM_GETLINK
        ? [fakeMessage(RTM_NEWLINK, 0, req.seq, Buffer.concat([encodeIfInfoMsg({ index: 3 }), encodeAttrs([stringAttr(IFLA_IFNAME, 'cni0')])])), fakeAck(req)]
        : [fakeAck(req)],
    );
    expect(createBridge(sock, { name: 'cni0', vlanFiltering: true }).index).toBe(3);
    const info = attrMap(attrsOf(sent[0]).get(IFLA_LINKINFO) ?? Buffer.alloc(0));
    expect(readString(info.get(IFLA_INFO_KIND) ?? Buffer.alloc(0))).toBe('bridge');
    expect(attrMap(info.get(IFLA_INFO_DATA) ?? Buffer.alloc(0)).get(IFLA_BR_VLAN_FILTERING)?.[0]).toBe(1);
  });

  it('surfaces EEXIST', () => {
    expect(() => createBridge(kernel((req) => [fakeAck(req, 17)]).sock, { name: 'cni0' })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  });
});

describe('bridge port flags', () => {
  it('sends RTM_SETLINK AF_BRIDGE with a nested IFLA_PROTINFO carrying MODE and ISOLATED', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    setBridgePortFlags(sock, 9, { hairpin: true, isolated: false });
    const req = sent[0];
    expect(req?.type).toBe(RTM_SETLINK);
    expect(decodeIfInfoMsg(req?.payload ?? Buffer.alloc(16))).toMatchObject({ family: AF_BRIDGE, index: 9 });
    const [protinfo] = parseAttrs(req?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0));
    expect(protinfo).toMatchObject({ type: IFLA_PROTINFO, nested: true });
    const p = attrMap(protinfo?.value ?? Buffer.alloc(0));
    expect(p.get(IFLA_BRPORT_MODE)?.[0]).toBe(1);
    expect(p.get(IFLA_BRPORT_ISOLATED)?.[0]).toBe(0);
  });

  it('sends nothing when no flag is given', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    setBridgePortFlags(sock, 9, {});
    expect(sent).toHaveLength(0);
  });

  it('reads ports and their flags from the AF_BRIDGE dump', () => {
    const { sock, sent } = kernel((req) => [
      Buffer.concat([
        bridgeLink(req.seq, 4, [stringAttr(IFLA_IFNAME, 'br0')]),
        bridgeLink(req.seq, 5, [
          stringAttr(IFLA_IFNAME, 'veth1'),
          u32Attr(IFLA_MASTER, 4),
          nestedAttr(IFLA_PROTINFO | NLA_F_NESTED, [u8Attr(IFLA_BRPORT_MODE, 1), u8Attr(IFLA_BRPORT_ISOLATED, 1)]),
        ]),
        fakeDone(req),
      ]),
    ]);
    expect(listBridgePorts(sock)).toEqual([
      { index: 5, name: 'veth1', master: 4, hairpin: true, isolated: true, learning: false, state: undefined },
    ]);
    expect((sent[0]?.flags ?? 0) & NLM_F_DUMP).toBe(NLM_F_DUMP);
    expect(decodeIfInfoMsg(sent[0]?.payload ?? Buffer.alloc(16))).toMatchObject({ family: AF_BRIDGE, index: 0 });
  });
});

describe('bridge VLANs', () => {
  it('adds a VID with PVID|UNTAGGED flags in IFLA_AF_SPEC', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    addBridgeVlan(sock, 5, { vid: 100, pvid: true, untagged: true });
    const req = sent[0];
    expect(req?.type).toBe(RTM_SETLINK);
    expect(decodeIfInfoMsg(req?.payload ?? Buffer.alloc(16))).toMatchObject({ family: AF_BRIDGE, index: 5 });
    const spec = parseAttrs(attrsOf(req).get(IFLA_AF_SPEC) ?? Buffer.alloc(0));
    expect(spec.map((a) => [a.type, a.value.toString('hex')])).toEqual([[IFLA_BRIDGE_VLAN_INFO, '06006400']]);
  });

  it('targets the bridge itself with BRIDGE_FLAGS_SELF', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    addBridgeVlan(sock, 4, { vid: 10, self: true });
    const spec = attrMap(attrsOf(sent[0]).get(IFLA_AF_SPEC) ?? Buffer.alloc(0));
    expect(spec.get(IFLA_BRIDGE_FLAGS)?.readUInt16LE(0)).toBe(BRIDGE_FLAGS_SELF);
  });

  it('deletes with RTM_DELLINK and reports ENOENT as false', () => {
    const ok = kernel((req) => [fakeAck(req)]);
    expect(deleteBridgeVlan(ok.sock, 5, { vid: 100 })).toBe(true);
    expect(ok.sent[0]?.type).toBe(RTM_DELLINK);
    expect(deleteBridgeVlan(kernel((req) => [fakeAck(req, 2)]).sock, 5, { vid: 100 })).toBe(false);
  });

  it('lists a port VLANs from a dump requested with RTEXT_FILTER_BRVLAN', () => {
    const { sock, sent } = kernel((req) => [
      Buffer.concat([
        bridgeLink(req.seq, 4, [nestedAttr(IFLA_AF_SPEC, [vlanInfo(6, 1)])]),
        bridgeLink(req.seq, 5, [nestedAttr(IFLA_AF_SPEC, [vlanInfo(6, 100), vlanInfo(0, 200), vlanInfo(4, 300)])]),
        fakeDone(req),
      ]),
    ]);
    expect(listBridgeVlans(sock, 5)).toEqual([
      { vid: 100, pvid: true, untagged: true },
      { vid: 200, pvid: false, untagged: false },
      { vid: 300, pvid: false, untagged: true },
    ]);
    expect(readU32(attrsOf(sent[0]).get(IFLA_EXT_MASK))).toBe(RTEXT_FILTER_BRVLAN);
  });

  it('lists nothing for a port without VLANs', () => {
    const { sock } = kernel((req) => [Buffer.concat([bridgeLink(req.seq, 5, [stringAttr(IFLA_IFNAME, 'x')]), fakeDone(req)])]);
    expect(listBridgeVlans(sock, 5)).toEqual([]);
  });
});
