import { NetlinkSocket } from '../../lib/link/index.ts';
import { type Netns, openContainerNetns, openContainerNetnsForDel, routeSocketIn } from '../../lib/netns/index.ts';

/** The pod's netns and a route socket in it; everything vrf does happens there. */
export interface Pod {
  readonly ns: Netns;
  readonly sock: NetlinkSocket;
  close(): void;
}

function socketFor(ns: Netns): Pod {
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
  return socketFor(openContainerNetns(netns));
}

/** Opens CNI_NETNS for DEL: undefined when there is nothing left (empty, or gone). */
export function openPodForDel(netns: string): Pod | undefined {
  const ns = openContainerNetnsForDel(netns);
  return ns && socketFor(ns);
}
