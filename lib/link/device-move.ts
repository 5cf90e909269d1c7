import { CniError, ErrorCode } from '../cni/index.ts';
import { type Link, type NetlinkSocket, getLink, moveLinkToNetns } from '../netlink/index.ts';
import type { Netns } from '../netns/index.ts';

/** One network namespace as a device move sees it: its handle and a route socket opened in it. */
export interface NetnsSide {
  readonly ns: Netns;
  readonly sock: NetlinkSocket;
  /** For messages: "the node", "the pod", "the temporary namespace". */
  readonly label: string;
}

/**
 * Moves the link `index` of `from` into `to` and reads it back there by `name` (its ifindex
 * may change on the way: the kernel keeps it only when it is free in the target).
 * @throws {NetlinkError} from the move (EEXIST: `to` has a link of that name).
 * @throws CniError when the link cannot be found in `to` after the move.
 */
export function moveLinkInto(from: NetlinkSocket, index: number, to: NetnsSide, name: string): Link {
  moveLinkToNetns(from, index, to.ns.fd);
  const moved = getLink(to.sock, name);
  if (!moved) throw new CniError(ErrorCode.Internal, `${name} is not in ${to.label} after moving it there`);
  return moved;
}
