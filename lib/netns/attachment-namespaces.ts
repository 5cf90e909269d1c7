// What an interface plugin (bridge, ptp) works in: the host side and the pod side, each with
// a route socket, opened together and closed together in reverse order.
import { NetlinkSocket } from '../netlink/index.ts';
import { openContainerNetns } from './container.ts';
import { type Netns, openCurrentNetns } from './netns.ts';
import { routeSocketIn } from './with-netns.ts';

/** The two sides of an attachment: the host (this process's netns) and the container. */
export interface Namespaces {
  readonly hostNs: Netns;
  readonly host: NetlinkSocket;
  readonly ns: Netns;
  readonly ctr: NetlinkSocket;
  close(): void;
}

/** Opens the container's netns and a route socket on each side. @throws CniError for a bad CNI_NETNS */
export function openNamespaces(netns: string): Namespaces {
  const ns = openContainerNetns(netns);
  const opened: { close(): void }[] = [ns];
  try {
    const hostNs = openCurrentNetns();
    opened.push(hostNs);
    const host = NetlinkSocket.open();
    opened.push(host);
    const ctr = routeSocketIn(ns);
    opened.push(ctr);
    return { hostNs, host, ns, ctr, close: () => closeAll(opened) };
  } catch (e) {
    closeAll(opened);
    throw e;
  }
}

function closeAll(items: readonly { close(): void }[]): void {
  for (const item of [...items].reverse()) item.close();
}
