import {
  AF_BRIDGE,
  BRIDGE_FLAGS_SELF,
  BRIDGE_VLAN_INFO_PVID,
  BRIDGE_VLAN_INFO_UNTAGGED,
  IFLA_AF_SPEC,
  IFLA_BRIDGE_FLAGS,
  IFLA_BRIDGE_VLAN_INFO,
  RTEXT_FILTER_BRVLAN,
  RTM_DELLINK,
  RTM_SETLINK,
} from './constants.ts';
import { isNetlinkError } from './errors.ts';
import { dumpBridgeLinks, resolveIndex } from './bridge.ts';
import { describeLink } from './link.ts';
import type { LinkRef } from './link.ts';
import type { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, nestedAttr, parseAttrs, u16Attr } from './wire.ts';
import { decodeIfInfoMsg, encodeIfInfoMsg, IFINFOMSG_LEN } from './headers.ts';
import type { Attr } from './wire.ts';

/** A VLAN on a bridge port, as `bridge vlan show` lists it. */
export interface BridgeVlan {
  readonly vid: number;
  /** Untagged ingress frames are classified into this VLAN. */
  readonly pvid: boolean;
  /** Frames leave the port untagged. */
  readonly untagged: boolean;
}

/** Which VLAN to add and how. */
export interface BridgeVlanSpec {
  readonly vid: number;
  readonly pvid?: boolean;
  readonly untagged?: boolean;
  /**
   * Target the bridge device itself rather than a port (`bridge vlan add ... self`).
   * @default false
   */
  readonly self?: boolean;
}

/**
 * Adds a VLAN to a bridge port (RTM_SETLINK, AF_BRIDGE, IFLA_AF_SPEC/IFLA_BRIDGE_VLAN_INFO).
 * Adding an existing VID updates its flags.
 * @throws {NetlinkError}
 */
export function addBridgeVlan(sock: NetlinkSocket, port: LinkRef, spec: BridgeVlanSpec): void {
  const index = resolveIndex(sock, port, 'add bridge vlan on');
  sock.request({
    type: RTM_SETLINK,
    header: encodeIfInfoMsg({ family: AF_BRIDGE, index }),
    attrs: [vlanSpec(spec)],
    what: `add vlan ${spec.vid} on ${describeLink(port)}`,
  });
}

/**
 * Removes a VLAN from a bridge port; false when it was not configured (ENOENT).
 * @throws {NetlinkError}
 */
export function deleteBridgeVlan(sock: NetlinkSocket, port: LinkRef, spec: Pick<BridgeVlanSpec, 'vid' | 'self'>): boolean {
  const index = resolveIndex(sock, port, 'delete bridge vlan on');
  try {
    sock.request({
      type: RTM_DELLINK,
      header: encodeIfInfoMsg({ family: AF_BRIDGE, index }),
      attrs: [vlanSpec(spec)],
      what: `delete vlan ${spec.vid} on ${describeLink(port)}`,
    });
    return true;
  } catch (err) {
    if (isNetlinkError(err, 'ENOENT')) return false;
    throw err;
  }
}

/**
 * Lists the VLANs configured on a bridge port (or on the bridge itself).
 * @throws {NetlinkError}
 */
export function listBridgeVlans(sock: NetlinkSocket, port: LinkRef): BridgeVlan[] {
  const index = resolveIndex(sock, port, 'list bridge vlans on');
  for (const msg of dumpBridgeLinks(sock, RTEXT_FILTER_BRVLAN)) {
    if (decodeIfInfoMsg(msg.payload).index !== index) continue;
    const spec = attrMap(msg.payload.subarray(IFINFOMSG_LEN)).get(IFLA_AF_SPEC);
    if (spec === undefined) continue;
    const vlans = parseAttrs(spec)
      .filter((a) => a.type === IFLA_BRIDGE_VLAN_INFO && a.value.length >= 4)
      .map((a) => {
        const flags = a.value.readUInt16LE(0);
        return {
          vid: a.value.readUInt16LE(2),
          pvid: (flags & BRIDGE_VLAN_INFO_PVID) !== 0,
          untagged: (flags & BRIDGE_VLAN_INFO_UNTAGGED) !== 0,
        };
      });
    if (vlans.length > 0) return vlans;
  }
  return [];
}

function vlanSpec(spec: BridgeVlanSpec): Attr {
  let flags = 0;
  if (spec.pvid === true) flags |= BRIDGE_VLAN_INFO_PVID;
  if (spec.untagged === true) flags |= BRIDGE_VLAN_INFO_UNTAGGED;
  const info = Buffer.alloc(4);
  info.writeUInt16LE(flags, 0);
  info.writeUInt16LE(spec.vid, 2);
  const children: Attr[] = [];
  if (spec.self === true) children.push(u16Attr(IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF));
  children.push(bytesAttr(IFLA_BRIDGE_VLAN_INFO, info));
  return nestedAttr(IFLA_AF_SPEC, children);
}
