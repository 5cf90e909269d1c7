import type { NetlinkSocket } from '../netlink/index.ts';
import { openContainerNetns, openContainerNetnsForDel } from './container.ts';
import type { Netns } from './netns.ts';
import { routeSocketIn } from './with-netns.ts';

/** The pod's network namespace and a route socket opened in it: where a chained plugin works. */
export interface Pod {
  readonly ns: Netns;
  readonly sock: NetlinkSocket;
  close(): void;
}

function podOf(ns: Netns): Pod {
  try {
    const sock = routeSocketIn(ns);
    return { ns, sock, close: () => (sock.close(), ns.close()) };
  } catch (e) {
    ns.close();
    throw e;
  }
}

/** Opens CNI_NETNS for ADD and CHECK. @throws CniError for a bad CNI_NETNS */
export function openPod(netns: string): Pod {
  return podOf(openContainerNetns(netns));
}

/** Opens CNI_NETNS for DEL: undefined when there is nothing left (empty, or gone). */
export function openPodForDel(netns: string): Pod | undefined {
  const ns = openContainerNetnsForDel(netns);
  return ns ? podOf(ns) : undefined;
}
