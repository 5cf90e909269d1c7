import { NetlinkSocket, listLinks } from '../netlink/index.ts';

/**
 * Whether a host interface belongs to `bridge`, from one snapshot of the host's links: true for
 * a port of the bridge, and for a name no link has any more (the pod behind it is gone);
 * false for an interface that exists but is not the bridge's port (another network's pod).
 */
export function bridgeOwnsHostInterface(bridge: string): (name: string) => boolean {
  const sock = NetlinkSocket.open();
  try {
    const links = listLinks(sock);
    const bridgeIndex = links.find((l) => l.name === bridge)?.index;
    const masterByName = new Map(links.map((l) => [l.name, l.master]));
    return (name) => {
      if (!masterByName.has(name)) return true;
      return bridgeIndex !== undefined && masterByName.get(name) === bridgeIndex;
    };
  } finally {
    sock.close();
  }
}
