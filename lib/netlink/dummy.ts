import { ENODEV } from '../sys/index.ts';
import { AF_UNSPEC, IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MTU, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK } from './constants.ts';
import { NetlinkError } from './errors.ts';
import { encodeIfInfoMsg } from './headers.ts';
import { type Link, getLink } from './link.ts';
import type { NetlinkSocket } from './socket.ts';
import { nestedAttr, stringAttr, u32Attr } from './wire.ts';

/** What {@link createDummy} creates. */
export interface DummySpec {
  readonly name: string;
  readonly mtu?: number | undefined;
}

/**
 * Creates a dummy device (a link that drops what it sends: a place for addresses) in the
 * socket's netns in one RTM_NEWLINK, and reads it back. It is created down.
 * @throws {NetlinkError} EEXIST when the name is taken; EOPNOTSUPP when the kernel has no dummy
 * driver (CONFIG_DUMMY, module dummy): the kernel knows no link kind "dummy" then.
 */
export function createDummy(sock: NetlinkSocket, spec: DummySpec): Link {
  const what = `create dummy ${spec.name}`;
  const attrs = [stringAttr(IFLA_IFNAME, spec.name)];
  if (spec.mtu !== undefined) attrs.push(u32Attr(IFLA_MTU, spec.mtu));
  attrs.push(nestedAttr(IFLA_LINKINFO, [stringAttr(IFLA_INFO_KIND, 'dummy')]));
  sock.request({ type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, header: encodeIfInfoMsg({ family: AF_UNSPEC }), attrs, what });
  const link = getLink(sock, spec.name);
  if (link === undefined) throw new NetlinkError(ENODEV, { what, detail: 'created link vanished before it could be read' });
  return link;
}
