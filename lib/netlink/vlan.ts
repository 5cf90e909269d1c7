import { ENODEV } from '../sys/index.ts';
import { AF_UNSPEC, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINK, IFLA_LINKINFO, IFLA_MTU, IFLA_NET_NS_FD, NLM_F_CREATE, NLM_F_EXCL, RTM_GETLINK, RTM_NEWLINK } from './constants.ts';
import { NetlinkError, isNetlinkError } from './errors.ts';
import { IFINFOMSG_LEN, encodeIfInfoMsg } from './headers.ts';
import { type Link, type LinkRef, describeLink, getLink, linkSelector } from './link.ts';
import type { NetlinkSocket } from './socket.ts';
import { type Attr, attrMap, nestedAttr, readString, stringAttr, u16Attr, u32Attr } from './wire.ts';

/** IFLA_VLAN_ID (u16) inside IFLA_INFO_DATA of kind "vlan". */
export const IFLA_VLAN_ID = 1;
/** IFLA_VLAN_PROTOCOL (__be16): the tag's ethertype. */
export const IFLA_VLAN_PROTOCOL = 5;
/** ETH_P_8021Q: the ordinary VLAN tag. */
export const ETH_P_8021Q = 0x8100;
/** ETH_P_8021AD: the service (outer, "QinQ") tag. */
export const ETH_P_8021AD = 0x88a8;

/** The tag protocol of a VLAN device. */
export type VlanProtocol = '802.1Q' | '802.1ad';

/** What {@link createVlan} creates. */
export interface VlanSpec {
  readonly name: string;
  /** ifindex of the parent ("master") device, in the socket's netns. */
  readonly parent: number;
  /** 0-4094. */
  readonly vlanId: number;
  /** @default '802.1Q' */
  readonly protocol?: VlanProtocol;
  /** Omitted: the parent's MTU. */
  readonly mtu?: number;
  /**
   * fd of the netns the device is created in (the parent stays where it is). Omitted: the
   * socket's netns, and the device is read back.
   */
  readonly netnsFd?: number;
}

/** A VLAN device's own settings, as the kernel reports them. */
export interface VlanInfo {
  readonly vlanId: number;
  readonly protocol: VlanProtocol | number;
}

/** The IFLA_LINKINFO of a VLAN device (kind, id, protocol), as a create request carries it. */
export function vlanLinkInfo(vlanId: number, protocol: VlanProtocol = '802.1Q'): Attr {
  const proto = protocol === '802.1ad' ? ETH_P_8021AD : ETH_P_8021Q;
  // the protocol is big-endian on the wire (__be16), unlike the id
  const be = Buffer.alloc(2);
  be.writeUInt16BE(proto, 0);
  return nestedAttr(IFLA_LINKINFO, [
    stringAttr(IFLA_INFO_KIND, 'vlan'),
    nestedAttr(IFLA_INFO_DATA, [u16Attr(IFLA_VLAN_ID, vlanId), { type: IFLA_VLAN_PROTOCOL, value: be }]),
  ]);
}

/**
 * Creates an 802.1Q (or 802.1ad) device on `parent` in one RTM_NEWLINK, optionally born in
 * another netns. Returns the device when it was created in the socket's netns; undefined when
 * it went to `netnsFd` (read it there).
 * @throws {NetlinkError} EEXIST when the name is taken or the parent has that VLAN already;
 *   EOPNOTSUPP when the kernel has no VLAN support (module 8021q).
 */
export function createVlan(sock: NetlinkSocket, spec: VlanSpec): Link | undefined {
  const what = `create vlan ${spec.name} (id ${spec.vlanId} on ifindex ${spec.parent})`;
  const attrs: Attr[] = [stringAttr(IFLA_IFNAME, spec.name), u32Attr(IFLA_LINK, spec.parent)];
  if (spec.mtu !== undefined) attrs.push(u32Attr(IFLA_MTU, spec.mtu));
  if (spec.netnsFd !== undefined) attrs.push(u32Attr(IFLA_NET_NS_FD, spec.netnsFd));
  attrs.push(vlanLinkInfo(spec.vlanId, spec.protocol));
  sock.request({ type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, header: encodeIfInfoMsg({ family: AF_UNSPEC }), attrs, what });
  if (spec.netnsFd !== undefined) return undefined;
  const link = getLink(sock, spec.name);
  if (link === undefined) throw new NetlinkError(ENODEV, { what, detail: 'created link vanished before it could be read' });
  return link;
}

/**
 * Reads a VLAN device's id and protocol; undefined when the link is absent or not a VLAN.
 * @throws {NetlinkError}
 */
export function getVlanInfo(sock: NetlinkSocket, ref: LinkRef): VlanInfo | undefined {
  const { header, attrs } = linkSelector(ref);
  let replies;
  try {
    replies = sock.request({ type: RTM_GETLINK, header, attrs, what: `get vlan ${describeLink(ref)}` });
  } catch (err) {
    if (isNetlinkError(err, 'ENODEV')) return undefined;
    throw err;
  }
  const msg = replies.find((m) => m.type === RTM_NEWLINK);
  const info = msg && attrMap(msg.payload.subarray(IFINFOMSG_LEN)).get(IFLA_LINKINFO);
  if (info === undefined) return undefined;
  const infoAttrs = attrMap(info);
  const kind = infoAttrs.get(IFLA_INFO_KIND);
  if (kind === undefined || readString(kind) !== 'vlan') return undefined;
  const data = attrMap(infoAttrs.get(IFLA_INFO_DATA) ?? Buffer.alloc(0));
  const id = data.get(IFLA_VLAN_ID);
  const proto = data.get(IFLA_VLAN_PROTOCOL);
  const p = proto === undefined || proto.length < 2 ? ETH_P_8021Q : proto.readUInt16BE(0);
  return {
    vlanId: id === undefined || id.length < 2 ? 0 : id.readUInt16LE(0),
    protocol: p === ETH_P_8021Q ? '802.1Q' : p === ETH_P_8021AD ? '802.1ad' : p,
  };
}
