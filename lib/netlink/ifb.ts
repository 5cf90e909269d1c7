import { ENODEV } from '../sys/index.ts';
import { AF_UNSPEC, IFF_UP, IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MTU, IFLA_TXQLEN, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK } from './constants.ts';
import { NetlinkError } from './errors.ts';
import { encodeIfInfoMsg } from './headers.ts';
import { type Link, getLink } from './link.ts';
import type { NetlinkSocket } from './socket.ts';
import { nestedAttr, stringAttr, u32Attr } from './wire.ts';

/** What {@link createIfb} creates. */
export interface IfbSpec {
  readonly name: string;
  readonly mtu?: number;
  readonly txQueueLen?: number;
  /** Created administratively up. */
  readonly up?: boolean;
}

/**
 * Creates an ifb (intermediate functional block) device in one RTM_NEWLINK and reads it back.
 * @throws {NetlinkError} EEXIST when the name is taken.
 */
export function createIfb(sock: NetlinkSocket, spec: IfbSpec): Link {
  const what = `create ifb ${spec.name}`;
  const attrs = [stringAttr(IFLA_IFNAME, spec.name)];
  if (spec.mtu !== undefined) attrs.push(u32Attr(IFLA_MTU, spec.mtu));
  if (spec.txQueueLen !== undefined) attrs.push(u32Attr(IFLA_TXQLEN, spec.txQueueLen));
  attrs.push(nestedAttr(IFLA_LINKINFO, [stringAttr(IFLA_INFO_KIND, 'ifb')]));
  sock.request({
    type: RTM_NEWLINK,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    header: encodeIfInfoMsg({ family: AF_UNSPEC, flags: spec.up ? IFF_UP : 0, change: spec.up ? IFF_UP : 0 }),
    attrs,
    what,
  });
  const link = getLink(sock, spec.name);
  if (link === undefined) throw new NetlinkError(ENODEV, { what, detail: 'created link vanished before it could be read' });
  return link;
}
