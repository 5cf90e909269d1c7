import { CniError, ErrorCode } from '../cni/index.ts';
import { type Address, type Link, type NetlinkSocket, getLink, listAddresses, setLinkDown, setLinkUp } from '../netlink/index.ts';
import { type Netns, routeSocketIn } from '../netns/index.ts';

/** Runs `fn` on a route socket inside `ns` with `lo` looked up, then closes both socket and netns. */
function withLo<T>(ns: Netns, fn: (sock: NetlinkSocket, lo: Link | undefined) => T): T {
  try {
    const sock = routeSocketIn(ns);
    try {
      return fn(sock, getLink(sock, 'lo'));
    } finally {
      sock.close();
    }
  } finally {
    ns.close();
  }
}

function noLo(where: string): CniError {
  return new CniError(ErrorCode.Internal, `no "lo" interface in ${where}`);
}

/**
 * Brings `lo` of `ns` up and returns its addresses; closes `ns`.
 * @throws CniError when the namespace has no `lo` (`where` names it).
 */
export function bringLoopbackUp(ns: Netns, where: string): Address[] {
  return withLo(ns, (sock, lo) => {
    if (!lo) throw noLo(where);
    setLinkUp(sock, lo.index);
    return listAddresses(sock, { index: lo.index });
  });
}

/** Takes `lo` of `ns` down if it is up; closes `ns`. */
export function takeLoopbackDown(ns: Netns): void {
  withLo(ns, (sock, lo) => {
    if (lo?.up) setLinkDown(sock, lo.index);
  });
}

/**
 * Fails unless `lo` of `ns` is up; closes `ns`.
 * @throws CniError naming what is wrong.
 */
export function checkLoopbackUp(ns: Netns, where: string): void {
  withLo(ns, (_sock, lo) => {
    if (!lo) throw noLo(where);
    if (!lo.up) throw new CniError(ErrorCode.Internal, `"lo" in ${where} is down`);
  });
}
