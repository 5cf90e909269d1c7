import { ENODEV } from '../sys/index.ts';
import { macToBytes } from './mac.ts';
import {
  AF_UNSPEC,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_NEWLINK,
  VETH_INFO_PEER,
} from './constants.ts';
import { NetlinkError } from './errors.ts';
import { getLink } from './link.ts';
import type { Link } from './link.ts';
import type { NetlinkSocket } from './socket.ts';
import { bytesAttr, encodeAttrs, nestedAttr, stringAttr, u32Attr } from './wire.ts';
import { encodeIfInfoMsg } from './headers.ts';
import type { Attr } from './wire.ts';

/** One end of a veth pair. */
export interface VethEnd {
  readonly name: string;
  readonly mtu?: number;
  readonly mac?: string;
}

/** The far end of a veth pair, optionally born in another netns. */
export interface VethPeer extends VethEnd {
  /**
   * fd of the netns the peer is created in (from a Netns handle). Omitted: the socket's netns.
   * Creating the peer in place avoids a later move, which costs about 20 ms.
   */
  readonly netnsFd?: number;
}

/** Arguments for {@link createVeth}. */
export interface VethSpec extends VethEnd {
  readonly peer: VethPeer;
}

/**
 * Creates a veth pair in one RTM_NEWLINK: the first end in the socket's netns, the peer
 * directly in `peer.netnsFd`'s netns. Works both ways: host socket + container fd, or a
 * socket opened inside the container + the host netns fd. The peer's MTU defaults to the
 * first end's. Returns the first end (its `link` is the peer's ifindex in the peer netns).
 * @throws {NetlinkError} EEXIST when a name is taken in either netns.
 */
export function createVeth(sock: NetlinkSocket, spec: VethSpec): Link {
  const peerMtu = spec.peer.mtu ?? spec.mtu;
  const peerAttrs: Attr[] = [stringAttr(IFLA_IFNAME, spec.peer.name), ...endAttrs(peerMtu, spec.peer.mac)];
  if (spec.peer.netnsFd !== undefined) peerAttrs.push(u32Attr(IFLA_NET_NS_FD, spec.peer.netnsFd));
  // VETH_INFO_PEER carries a whole ifinfomsg followed by the peer's attributes.
  const peerValue = Buffer.concat([encodeIfInfoMsg({ family: AF_UNSPEC }), encodeAttrs(peerAttrs)]);
  const what = `create veth ${spec.name} (peer ${spec.peer.name})`;
  sock.request({
    type: RTM_NEWLINK,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    header: encodeIfInfoMsg({ family: AF_UNSPEC }),
    attrs: [
      stringAttr(IFLA_IFNAME, spec.name),
      ...endAttrs(spec.mtu, spec.mac),
      nestedAttr(IFLA_LINKINFO, [
        stringAttr(IFLA_INFO_KIND, 'veth'),
        nestedAttr(IFLA_INFO_DATA, [bytesAttr(VETH_INFO_PEER, peerValue)]),
      ]),
    ],
    what,
  });
  const link = getLink(sock, spec.name);
  if (link === undefined) throw new NetlinkError(ENODEV, { what, detail: 'created link vanished before it could be read' });
  return link;
}

function endAttrs(mtu: number | undefined, mac: string | undefined): Attr[] {
  const attrs: Attr[] = [];
  if (mtu !== undefined) attrs.push(u32Attr(IFLA_MTU, mtu));
  if (mac !== undefined) attrs.push(bytesAttr(IFLA_ADDRESS, macToBytes(mac)));
  return attrs;
}
