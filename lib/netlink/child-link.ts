import {
  AF_UNSPEC,
  IFLA_ADDRESS,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTEXT_FILTER_SKIP_STATS,
  RTM_GETLINK,
  RTM_NEWLINK,
} from './constants.ts';
import { isNetlinkError } from './errors.ts';
import { IFINFOMSG_LEN, encodeIfInfoMsg } from './headers.ts';
import { type Link, type LinkRef, describeLink, linkSelector, parseLink } from './link.ts';
import { macToBytes } from './mac.ts';
import type { NetlinkSocket } from './socket.ts';
import { type Attr, attrMap, bytesAttr, nestedAttr, stringAttr, u32Attr } from './wire.ts';

// A link that lives on top of a parent ("lower") device: macvlan, ipvlan, vlan. They share
// one request shape: IFLA_LINK names the parent, IFLA_LINKINFO the kind and its settings,
// and IFLA_NET_NS_FD may place the new link in another namespace at birth. The kind files
// (macvlan.ts, ipvlan.ts) only build the IFLA_INFO_DATA attributes and read them back.

/** The kind of a child link and the attributes of its IFLA_INFO_DATA. */
export interface ChildLinkKind {
  readonly kind: string;
  readonly data: readonly Attr[];
}

/** What {@link createChildLink} creates. */
export interface ChildLinkSpec {
  readonly name: string;
  /** ifindex of the parent, as the socket's namespace numbers it. */
  readonly parentIndex: number;
  readonly info: ChildLinkKind;
  readonly mtu?: number | undefined;
  readonly mac?: string | undefined;
  /** fd of the netns the link is born in; omitted: the socket's own. */
  readonly netnsFd?: number | undefined;
}

/**
 * Creates a link of `spec.info.kind` on the parent in one RTM_NEWLINK. It is not read back:
 * with `netnsFd` it lives in another namespace than the socket's.
 * @throws {NetlinkError} EEXIST when the name is taken where the link is born; EOPNOTSUPP when
 *   the kernel has no such kind; EINVAL or EBUSY when the parent cannot carry it.
 */
export function createChildLink(sock: NetlinkSocket, spec: ChildLinkSpec): void {
  const attrs: Attr[] = [stringAttr(IFLA_IFNAME, spec.name), u32Attr(IFLA_LINK, spec.parentIndex)];
  if (spec.mtu !== undefined) attrs.push(u32Attr(IFLA_MTU, spec.mtu));
  if (spec.mac !== undefined) attrs.push(bytesAttr(IFLA_ADDRESS, macToBytes(spec.mac)));
  if (spec.netnsFd !== undefined) attrs.push(u32Attr(IFLA_NET_NS_FD, spec.netnsFd));
  const info: Attr[] = [stringAttr(IFLA_INFO_KIND, spec.info.kind)];
  if (spec.info.data.length) info.push(nestedAttr(IFLA_INFO_DATA, spec.info.data));
  attrs.push(nestedAttr(IFLA_LINKINFO, info));
  sock.request({
    type: RTM_NEWLINK,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    header: encodeIfInfoMsg({ family: AF_UNSPEC }),
    attrs,
    what: `create ${spec.info.kind} ${spec.name} on ifindex ${spec.parentIndex}`,
  });
}

/** A link with the raw attributes of its IFLA_INFO_DATA, for the kind files to decode. */
export interface LinkWithInfoData {
  readonly link: Link;
  /** IFLA_INFO_DATA's attributes by type; empty when the kind reports none. */
  readonly data: ReadonlyMap<number, Buffer>;
}

/**
 * Looks a link up with its kind-specific data; undefined when there is none (ENODEV).
 * @throws {NetlinkError} for any other failure.
 */
export function getLinkWithInfoData(sock: NetlinkSocket, ref: LinkRef): LinkWithInfoData | undefined {
  const { header, attrs } = linkSelector(ref);
  let replies;
  try {
    replies = sock.request({ type: RTM_GETLINK, header, attrs: [...attrs, u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)], what: `get link ${describeLink(ref)}` });
  } catch (err) {
    if (isNetlinkError(err, 'ENODEV')) return undefined;
    throw err;
  }
  const msg = replies.find((m) => m.type === RTM_NEWLINK);
  if (msg === undefined) return undefined;
  const info = attrMap(msg.payload.subarray(IFINFOMSG_LEN)).get(IFLA_LINKINFO);
  const data = info === undefined ? undefined : attrMap(info).get(IFLA_INFO_DATA);
  return { link: parseLink(msg), data: data === undefined ? new Map() : attrMap(data) };
}
