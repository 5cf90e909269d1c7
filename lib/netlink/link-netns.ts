import { AF_UNSPEC, IFLA_EXT_MASK, IFLA_NET_NS_FD, RTEXT_FILTER_SKIP_STATS, RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK } from './constants.ts';
import { isNetlinkError } from './errors.ts';
import { encodeIfInfoMsg, IFINFOMSG_LEN } from './headers.ts';
import { describeLink, linkSelector, type LinkRef } from './link.ts';
import type { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, readString, u32Attr } from './wire.ts';

// Moving a link between network namespaces and its alias (ifalias), kept apart from link.ts:
// only the plugins that hand an existing device to a pod (host-device) need them.

/** IFLA_IFALIAS: the free-text alias of a link (`ip link set X alias Y`), at most 255 bytes. */
export const IFLA_IFALIAS = 20;

/**
 * Moves a link into the network namespace of `netnsFd` (RTM_SETLINK with IFLA_NET_NS_FD). The
 * kernel sets it down, drops its addresses and routes, and keeps its name and (when free)
 * its ifindex in the target.
 * @throws {NetlinkError} EEXIST when the target has a link of that name; EINVAL for a link
 *   that cannot change namespace (lo, a bridge: NETIF_F_NETNS_LOCAL).
 */
export function moveLinkToNetns(sock: NetlinkSocket, index: number, netnsFd: number): void {
  sock.request({
    type: RTM_SETLINK,
    header: encodeIfInfoMsg({ family: AF_UNSPEC, index }),
    attrs: [u32Attr(IFLA_NET_NS_FD, netnsFd)],
    what: `move link ifindex ${index} to another network namespace`,
  });
}

/**
 * Sets a link's alias; an empty string removes it.
 * @throws {NetlinkError}
 */
export function setLinkAlias(sock: NetlinkSocket, index: number, alias: string): void {
  sock.request({
    type: RTM_SETLINK,
    header: encodeIfInfoMsg({ family: AF_UNSPEC, index }),
    // without a trailing NUL, as iproute2 sends it: a zero-length value is what clears the alias
    attrs: [bytesAttr(IFLA_IFALIAS, Buffer.from(alias, 'utf8'))],
    what: `set the alias of link ifindex ${index} to ${JSON.stringify(alias)}`,
  });
}

/**
 * A link's alias; '' when it has none, undefined when the link does not exist.
 * @throws {NetlinkError} for failures other than ENODEV.
 */
export function getLinkAlias(sock: NetlinkSocket, ref: LinkRef): string | undefined {
  const { header, attrs } = linkSelector(ref);
  try {
    const replies = sock.request({
      type: RTM_GETLINK,
      header,
      attrs: [...attrs, u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)],
      what: `get the alias of link ${describeLink(ref)}`,
    });
    const msg = replies.find((m) => m.type === RTM_NEWLINK);
    if (msg === undefined) return undefined;
    const alias = attrMap(msg.payload.subarray(IFINFOMSG_LEN)).get(IFLA_IFALIAS);
    return alias === undefined ? '' : readString(alias);
  } catch (err) {
    if (isNetlinkError(err, 'ENODEV')) return undefined;
    throw err;
  }
}
