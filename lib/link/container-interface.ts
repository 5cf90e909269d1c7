import { type NetlinkSocket, getLink } from '../netlink/index.ts';
import { type Netns, openContainerNetnsForDel, routeSocketIn } from '../netns/index.ts';
import { globalAddresses } from './inspect.ts';

/** A container's interface found for a DEL: its netns stays open until close(). */
export interface ContainerInterface {
  readonly ns: Netns;
  readonly sock: NetlinkSocket;
  /** undefined when the netns exists but the interface is already gone. */
  readonly index: number | undefined;
  /** Its global addresses as CIDR text: what the attachment was given. */
  readonly addresses: readonly string[];
  close(): void;
}

/**
 * Opens CNI_NETNS and finds the interface for a DEL; undefined when there is no netns left to
 * clean (an empty CNI_NETNS, or a namespace that is already gone).
 * @throws CniError code 4 when CNI_NETNS is not a network namespace.
 */
export function findContainerInterface(netns: string, ifname: string): ContainerInterface | undefined {
  const ns = openContainerNetnsForDel(netns);
  if (!ns) return undefined;
  let sock: NetlinkSocket | undefined;
  try {
    sock = routeSocketIn(ns);
    const link = getLink(sock, ifname);
    const addresses = link ? globalAddresses(sock, link.index) : [];
    const opened = sock;
    return {
      ns,
      sock,
      index: link?.index,
      addresses,
      close: () => {
        opened.close();
        ns.close();
      },
    };
  } catch (e) {
    sock?.close();
    ns.close();
    throw e;
  }
}
