import { ENODEV } from '../sys/index.ts';
import { macToBytes } from './mac.ts';
import {
  AF_BRIDGE,
  AF_UNSPEC,
  IFLA_ADDRESS,
  IFLA_BR_VLAN_DEFAULT_PVID,
  IFLA_BR_VLAN_FILTERING,
  IFLA_BRPORT_ISOLATED,
  IFLA_BRPORT_LEARNING,
  IFLA_BRPORT_MODE,
  IFLA_BRPORT_STATE,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_PROTINFO,
  NLA_F_NESTED,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
} from './constants.ts';
import { NetlinkError } from './errors.ts';
import { describeLink, getLink, linkSelector } from './link.ts';
import type { Link, LinkRef } from './link.ts';
import type { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, nestedAttr, readString, readU32, readU8, stringAttr, u16Attr, u32Attr, u8Attr } from './wire.ts';
import { decodeIfInfoMsg, encodeIfInfoMsg, IFINFOMSG_LEN } from './headers.ts';
import type { Attr, NlMessage } from './wire.ts';

/** Arguments for {@link createBridge}. */
export interface BridgeSpec {
  readonly name: string;
  readonly mtu?: number;
  readonly mac?: string;
  /** IFLA_BR_VLAN_FILTERING. */
  readonly vlanFiltering?: boolean;
  /** IFLA_BR_VLAN_DEFAULT_PVID (0 disables the default PVID). */
  readonly vlanDefaultPvid?: number;
}

/** Bridge-level options that can be changed on an existing bridge. */
export interface BridgeOptions {
  readonly vlanFiltering?: boolean;
  readonly vlanDefaultPvid?: number;
}

/** Bridge-level settings read back from IFLA_INFO_DATA. */
export interface BridgeInfo {
  readonly vlanFiltering: boolean;
  readonly vlanDefaultPvid: number | undefined;
}

/** Per-port flags settable through IFLA_PROTINFO. */
export interface BridgePortFlags {
  /** IFLA_BRPORT_MODE: reflect frames back out of the port they came in on. */
  readonly hairpin?: boolean;
  /** IFLA_BRPORT_ISOLATED: isolated ports cannot talk to each other, only to others. */
  readonly isolated?: boolean;
  readonly learning?: boolean;
}

/** A bridge port as the AF_BRIDGE link dump reports it. */
export interface BridgePort {
  readonly index: number;
  readonly name: string;
  readonly master: number | undefined;
  readonly hairpin: boolean;
  readonly isolated: boolean;
  readonly learning: boolean;
  /** STP state (BR_STATE_*: 0 disabled ... 3 forwarding). */
  readonly state: number | undefined;
}

/**
 * Creates a bridge and returns it as read back from the kernel.
 * @throws {NetlinkError} code 'EEXIST' when a link of that name exists.
 */
export function createBridge(sock: NetlinkSocket, spec: BridgeSpec): Link {
  const attrs: Attr[] = [stringAttr(IFLA_IFNAME, spec.name)];
  if (spec.mtu !== undefined) attrs.push(u32Attr(IFLA_MTU, spec.mtu));
  if (spec.mac !== undefined) attrs.push(bytesAttr(IFLA_ADDRESS, macToBytes(spec.mac)));
  attrs.push(bridgeLinkInfo(spec));
  const what = `create bridge ${spec.name}`;
  sock.request({
    type: RTM_NEWLINK,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    header: encodeIfInfoMsg({ family: AF_UNSPEC }),
    attrs,
    what,
  });
  const link = getLink(sock, spec.name);
  if (link === undefined) throw new NetlinkError(ENODEV, { what, detail: 'created bridge vanished before it could be read' });
  return link;
}

/**
 * Changes bridge-level options (e.g. turns VLAN filtering on) of an existing bridge.
 * @throws {NetlinkError}
 */
export function setBridgeOptions(sock: NetlinkSocket, ref: LinkRef, options: BridgeOptions): void {
  const { header, attrs } = linkSelector(ref);
  sock.request({
    type: RTM_NEWLINK,
    header,
    attrs: [...attrs, bridgeLinkInfo(options)],
    what: `set bridge ${describeLink(ref)} options`,
  });
}

/**
 * Reads bridge-level settings; undefined when the link is absent or not a bridge.
 * @throws {NetlinkError}
 */
export function getBridgeInfo(sock: NetlinkSocket, ref: LinkRef): BridgeInfo | undefined {
  const { header, attrs } = linkSelector(ref);
  let replies: NlMessage[];
  try {
    replies = sock.request({ type: RTM_GETLINK, header, attrs, what: `get bridge ${describeLink(ref)}` });
  } catch (err) {
    if (err instanceof NetlinkError && err.code === 'ENODEV') return undefined;
    throw err;
  }
  const msg = replies.find((m) => m.type === RTM_NEWLINK);
  if (msg === undefined) return undefined;
  const info = attrMap(msg.payload.subarray(IFINFOMSG_LEN)).get(IFLA_LINKINFO);
  if (info === undefined) return undefined;
  const infoAttrs = attrMap(info);
  const kind = infoAttrs.get(IFLA_INFO_KIND);
  if (kind === undefined || readString(kind) !== 'bridge') return undefined;
  const data = attrMap(infoAttrs.get(IFLA_INFO_DATA) ?? Buffer.alloc(0));
  const pvid = data.get(IFLA_BR_VLAN_DEFAULT_PVID);
  return {
    vlanFiltering: readU8(data.get(IFLA_BR_VLAN_FILTERING)) === 1,
    vlanDefaultPvid: pvid === undefined || pvid.length < 2 ? undefined : pvid.readUInt16LE(0),
  };
}

function bridgeLinkInfo(options: BridgeOptions): Attr {
  const data: Attr[] = [];
  if (options.vlanFiltering !== undefined) data.push(u8Attr(IFLA_BR_VLAN_FILTERING, options.vlanFiltering ? 1 : 0));
  if (options.vlanDefaultPvid !== undefined) data.push(u16Attr(IFLA_BR_VLAN_DEFAULT_PVID, options.vlanDefaultPvid));
  const info: Attr[] = [stringAttr(IFLA_INFO_KIND, 'bridge')];
  if (data.length > 0) info.push(nestedAttr(IFLA_INFO_DATA, data));
  return nestedAttr(IFLA_LINKINFO, info);
}

/**
 * Sets hairpin / isolated / learning on a bridge port (RTM_SETLINK, AF_BRIDGE, nested
 * IFLA_PROTINFO), as `bridge link set dev X hairpin on isolated on` does.
 * @throws {NetlinkError} EOPNOTSUPP when the link is not a bridge port.
 */
export function setBridgePortFlags(sock: NetlinkSocket, port: LinkRef, flags: BridgePortFlags): void {
  const index = resolveIndex(sock, port, 'set bridge port flags on');
  const protinfo: Attr[] = [];
  if (flags.hairpin !== undefined) protinfo.push(u8Attr(IFLA_BRPORT_MODE, flags.hairpin ? 1 : 0));
  if (flags.isolated !== undefined) protinfo.push(u8Attr(IFLA_BRPORT_ISOLATED, flags.isolated ? 1 : 0));
  if (flags.learning !== undefined) protinfo.push(u8Attr(IFLA_BRPORT_LEARNING, flags.learning ? 1 : 0));
  if (protinfo.length === 0) return;
  sock.request({
    type: RTM_SETLINK,
    header: encodeIfInfoMsg({ family: AF_BRIDGE, index }),
    attrs: [nestedAttr(IFLA_PROTINFO | NLA_F_NESTED, protinfo)],
    what: `set bridge port flags on ${describeLink(port)}`,
  });
}

/**
 * Reads a bridge port's flags; undefined when the link is absent or not a bridge port.
 * @throws {NetlinkError}
 */
export function getBridgePort(sock: NetlinkSocket, port: LinkRef): BridgePort | undefined {
  return listBridgePorts(sock).find((p) => (typeof port === 'number' ? p.index === port : p.name === port));
}

/**
 * Lists every bridge port in the socket's netns with its flags.
 * @throws {NetlinkError}
 */
export function listBridgePorts(sock: NetlinkSocket): BridgePort[] {
  const ports: BridgePort[] = [];
  for (const msg of dumpBridgeLinks(sock, 0)) {
    const attrs = attrMap(msg.payload.subarray(IFINFOMSG_LEN));
    const protinfo = attrs.get(IFLA_PROTINFO);
    if (protinfo === undefined) continue;
    const p = attrMap(protinfo);
    const name = attrs.get(IFLA_IFNAME);
    ports.push({
      index: decodeIfInfoMsg(msg.payload).index,
      name: name === undefined ? '' : readString(name),
      master: readU32(attrs.get(IFLA_MASTER)),
      hairpin: readU8(p.get(IFLA_BRPORT_MODE)) === 1,
      isolated: readU8(p.get(IFLA_BRPORT_ISOLATED)) === 1,
      learning: readU8(p.get(IFLA_BRPORT_LEARNING)) === 1,
      state: readU8(p.get(IFLA_BRPORT_STATE)),
    });
  }
  return ports;
}

/**
 * The AF_BRIDGE link dump (bridge ports and bridges). Strict checking forbids an ifindex
 * filter here, so callers filter the result.
 */
export function dumpBridgeLinks(sock: NetlinkSocket, extMask: number): NlMessage[] {
  const messages = sock.dump({
    type: RTM_GETLINK,
    header: encodeIfInfoMsg({ family: AF_BRIDGE }),
    attrs: extMask === 0 ? [] : [u32Attr(IFLA_EXT_MASK, extMask)],
    what: 'dump bridge links',
  });
  return messages.filter((m) => m.type === RTM_NEWLINK);
}

/** ifindex for a LinkRef; AF_BRIDGE requests only accept an index. */
export function resolveIndex(sock: NetlinkSocket, ref: LinkRef, what: string): number {
  if (typeof ref === 'number') return ref;
  const link = getLink(sock, ref);
  if (link === undefined) throw new NetlinkError(ENODEV, { what: `${what} ${ref}` });
  return link.index;
}
