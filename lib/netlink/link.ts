import { ENODEV } from '../sys/index.ts';
import { bytesToMac, macToBytes } from './mac.ts';
import {
  AF_UNSPEC,
  IFF_ALLMULTI,
  IFF_LOWER_UP,
  IFF_PROMISC,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINK,
  IFLA_LINK_NETNSID,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MAX_MTU,
  IFLA_MIN_MTU,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_TXQLEN,
  RTEXT_FILTER_SKIP_STATS,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
} from './constants.ts';
import { NetlinkError, isNetlinkError } from './errors.ts';
import type { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, readString, readU32, readU8, stringAttr, u32Attr } from './wire.ts';
import { decodeIfInfoMsg, encodeIfInfoMsg, IFINFOMSG_LEN } from './headers.ts';
import type { Attr, NlMessage } from './wire.ts';

/** A link by ifindex or by name. The kernel resolves names itself for most requests. */
export type LinkRef = number | string;

/** RFC 2863 operational state, as `ip link` prints it (lowercase). */
export type OperState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';

const OPER_STATES: readonly OperState[] = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

/** A network interface as RTM_NEWLINK describes it. */
export interface Link {
  readonly index: number;
  readonly name: string;
  /** IFLA_INFO_KIND: 'bridge', 'veth', ...; undefined for devices without one (lo). */
  readonly kind: string | undefined;
  /** IFLA_INFO_SLAVE_KIND: 'bridge' for a bridge port. */
  readonly slaveKind: string | undefined;
  /** ifindex of the master (bridge) this link is enslaved to. */
  readonly master: number | undefined;
  readonly mtu: number;
  /** Link-layer address, lowercase colon hex; undefined when the device has none. */
  readonly mac: string | undefined;
  /** Raw ifi_flags (IFF_*). */
  readonly flags: number;
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
  /** Carrier present (IFF_LOWER_UP). */
  readonly lowerUp: boolean;
  /** Promiscuous mode as set by a user (IFF_PROMISC of the reported flags, not the promiscuity count). */
  readonly promisc: boolean;
  /** All-multicast mode as set by a user (IFF_ALLMULTI). */
  readonly allmulti: boolean;
  /** IFLA_TXQLEN: the transmit queue length. */
  readonly txQueueLen: number | undefined;
  /** IFLA_MIN_MTU / IFLA_MAX_MTU: the driver's MTU range (max 0: no upper limit); undefined on kernels before 4.19. */
  readonly minMtu: number | undefined;
  readonly maxMtu: number | undefined;
  readonly operstate: OperState;
  /** IFLA_LINK: for a veth, the peer's ifindex (in the netns named by `linkNetnsId` if set). */
  readonly link: number | undefined;
  /** IFLA_LINK_NETNSID: the peer's netns id as seen from this netns. */
  readonly linkNetnsId: number | undefined;
  /** ARPHRD_* device type. */
  readonly type: number;
}

/** Changes for {@link setLink}; applied by one RTM_SETLINK. */
export interface LinkChanges {
  readonly up?: boolean;
  readonly promisc?: boolean;
  readonly allmulti?: boolean;
  readonly mtu?: number;
  /** IFLA_TXQLEN. */
  readonly txQueueLen?: number;
  readonly mac?: string;
  /** ifindex of the new master, or null to release the link from its master. */
  readonly master?: number | null;
  /** New name (the link must be down). */
  readonly name?: string;
}

/** Fixed header + attributes that address a link by index or by name. */
export function linkSelector(ref: LinkRef, family: number = AF_UNSPEC): { header: Buffer; attrs: Attr[] } {
  if (typeof ref === 'number') return { header: encodeIfInfoMsg({ family, index: ref }), attrs: [] };
  return { header: encodeIfInfoMsg({ family }), attrs: [stringAttr(IFLA_IFNAME, ref)] };
}

/** Human label for a link in error messages. */
export function describeLink(ref: LinkRef): string {
  return typeof ref === 'number' ? `ifindex ${ref}` : ref;
}

/** Decodes one RTM_NEWLINK message. */
export function parseLink(msg: NlMessage): Link {
  const ifi = decodeIfInfoMsg(msg.payload);
  const attrs = attrMap(msg.payload.subarray(IFINFOMSG_LEN));
  const info = attrs.get(IFLA_LINKINFO);
  const infoAttrs = info === undefined ? undefined : attrMap(info);
  const kind = infoAttrs?.get(IFLA_INFO_KIND);
  const slaveKind = infoAttrs?.get(IFLA_INFO_SLAVE_KIND);
  const name = attrs.get(IFLA_IFNAME);
  const address = attrs.get(IFLA_ADDRESS);
  const master = readU32(attrs.get(IFLA_MASTER));
  return {
    index: ifi.index,
    name: name === undefined ? '' : readString(name),
    kind: kind === undefined ? undefined : readString(kind),
    slaveKind: slaveKind === undefined ? undefined : readString(slaveKind),
    master: master === 0 ? undefined : master,
    mtu: readU32(attrs.get(IFLA_MTU)) ?? 0,
    mac: address === undefined || address.length === 0 ? undefined : bytesToMac(address),
    flags: ifi.flags,
    up: (ifi.flags & IFF_UP) !== 0,
    lowerUp: (ifi.flags & IFF_LOWER_UP) !== 0,
    promisc: (ifi.flags & IFF_PROMISC) !== 0,
    allmulti: (ifi.flags & IFF_ALLMULTI) !== 0,
    txQueueLen: readU32(attrs.get(IFLA_TXQLEN)),
    minMtu: readU32(attrs.get(IFLA_MIN_MTU)),
    maxMtu: readU32(attrs.get(IFLA_MAX_MTU)),
    operstate: OPER_STATES[readU8(attrs.get(IFLA_OPERSTATE)) ?? 0] ?? 'unknown',
    link: readU32(attrs.get(IFLA_LINK)),
    linkNetnsId: readLinkNetnsId(attrs.get(IFLA_LINK_NETNSID)),
    type: ifi.type,
  };
}

function readLinkNetnsId(value: Buffer | undefined): number | undefined {
  // s32; negative (NETNSA_NSID_NOT_ASSIGNED) means "no id assigned".
  if (value === undefined || value.length < 4) return undefined;
  const id = value.readInt32LE(0);
  return id < 0 ? undefined : id;
}

/**
 * Lists every link in the socket's netns.
 * @throws {NetlinkError}
 */
export function listLinks(sock: NetlinkSocket): Link[] {
  const messages = sock.dump({
    type: RTM_GETLINK,
    header: encodeIfInfoMsg({ family: AF_UNSPEC }),
    attrs: [u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)],
    what: 'list links',
  });
  return messages.filter((m) => m.type === RTM_NEWLINK).map(parseLink);
}

/**
 * Looks a link up by name or index; undefined when there is none (ENODEV).
 * @throws {NetlinkError} for any other failure.
 */
export function getLink(sock: NetlinkSocket, ref: LinkRef): Link | undefined {
  const { header, attrs } = linkSelector(ref);
  try {
    const replies = sock.request({
      type: RTM_GETLINK,
      header,
      attrs: [...attrs, u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)],
      what: `get link ${describeLink(ref)}`,
    });
    const msg = replies.find((m) => m.type === RTM_NEWLINK);
    return msg === undefined ? undefined : parseLink(msg);
  } catch (err) {
    if (isNetlinkError(err, 'ENODEV')) return undefined;
    throw err;
  }
}

/**
 * Applies several link changes in one RTM_SETLINK (the kernel applies master, MTU,
 * address and flags in a fixed order within the one request).
 * @throws {NetlinkError} ENODEV when the link does not exist.
 */
export function setLink(sock: NetlinkSocket, ref: LinkRef, changes: LinkChanges): void {
  let target = ref;
  if (changes.name !== undefined && typeof ref === 'string') {
    // IFLA_IFNAME would be read as the selector; a rename needs the index.
    const link = getLink(sock, ref);
    if (link === undefined) throw notFound(ref);
    target = link.index;
  }
  const { attrs } = linkSelector(target);
  let flags = 0;
  let change = 0;
  if (changes.up !== undefined) {
    change |= IFF_UP;
    if (changes.up) flags |= IFF_UP;
  }
  if (changes.promisc !== undefined) {
    change |= IFF_PROMISC;
    if (changes.promisc) flags |= IFF_PROMISC;
  }
  if (changes.allmulti !== undefined) {
    change |= IFF_ALLMULTI;
    if (changes.allmulti) flags |= IFF_ALLMULTI;
  }
  if (changes.name !== undefined) attrs.push(stringAttr(IFLA_IFNAME, changes.name));
  if (changes.mtu !== undefined) attrs.push(u32Attr(IFLA_MTU, changes.mtu));
  if (changes.txQueueLen !== undefined) attrs.push(u32Attr(IFLA_TXQLEN, changes.txQueueLen));
  if (changes.mac !== undefined) attrs.push(bytesAttr(IFLA_ADDRESS, macToBytes(changes.mac)));
  if (changes.master !== undefined) attrs.push(u32Attr(IFLA_MASTER, changes.master ?? 0));
  sock.request({
    type: RTM_SETLINK,
    header: encodeIfInfoMsg({ family: AF_UNSPEC, index: typeof target === 'number' ? target : 0, flags, change }),
    attrs,
    what: `set link ${describeLink(ref)} ${JSON.stringify(changes)}`,
  });
}

/**
 * Sets a link administratively up.
 * @throws {NetlinkError}
 */
export function setLinkUp(sock: NetlinkSocket, ref: LinkRef): void {
  setLink(sock, ref, { up: true });
}

/**
 * Sets a link administratively down.
 * @throws {NetlinkError}
 */
export function setLinkDown(sock: NetlinkSocket, ref: LinkRef): void {
  setLink(sock, ref, { up: false });
}

/**
 * Enslaves a link to a master (a bridge), or releases it when `master` is null.
 * @throws {NetlinkError}
 */
export function setLinkMaster(sock: NetlinkSocket, ref: LinkRef, master: number | null): void {
  setLink(sock, ref, { master });
}

/**
 * Sets a link's MTU.
 * @throws {NetlinkError} EINVAL when out of the device's range.
 */
export function setLinkMtu(sock: NetlinkSocket, ref: LinkRef, mtu: number): void {
  setLink(sock, ref, { mtu });
}

/**
 * Sets a link's MAC address.
 * @throws {NetlinkError}
 */
export function setLinkMac(sock: NetlinkSocket, ref: LinkRef, mac: string): void {
  setLink(sock, ref, { mac });
}

/**
 * Turns promiscuous mode on or off (as `ip link set promisc`).
 * @throws {NetlinkError}
 */
export function setLinkPromisc(sock: NetlinkSocket, ref: LinkRef, on: boolean): void {
  setLink(sock, ref, { promisc: on });
}

/**
 * Deletes a link (for a veth, both ends go). Returns false when it was already gone
 * (ENODEV), so teardown can treat "absent" as success.
 * @throws {NetlinkError} for other failures.
 */
export function deleteLink(sock: NetlinkSocket, ref: LinkRef): boolean {
  const { header, attrs } = linkSelector(ref);
  try {
    sock.request({ type: RTM_DELLINK, header, attrs, what: `delete link ${describeLink(ref)}` });
    return true;
  } catch (err) {
    if (isNetlinkError(err, 'ENODEV')) return false;
    throw err;
  }
}

function notFound(ref: LinkRef): Error {
  return new NetlinkError(ENODEV, { what: `set link ${describeLink(ref)}` });
}
