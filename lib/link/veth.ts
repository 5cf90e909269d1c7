import { type Link, type NetlinkSocket, createVeth, getLink, isNetlinkError } from '../netlink/index.ts';
import type { Netns } from '../netns/index.ts';
import { ifnameTaken } from './errors.ts';
import { randomVethName } from './random.ts';

/** The container end of a veth pair. */
export interface ContainerVethSettings {
  readonly ifname: string;
  readonly mtu?: number | undefined;
  readonly mac?: string | undefined;
}

/** What creating the pair gave: the container end, and the host end's name. */
export interface ContainerVeth {
  readonly link: Link;
  readonly hostName: string;
}

/**
 * Creates a veth pair from inside the container: `ifname` there, and the host end born
 * directly in the host namespace as `veth` + 8 random hex characters (moving a link between
 * namespaces costs 10-50 ms). A host name already taken is retried with another, as the
 * reference does.
 * @throws CniError when `ifname` already exists in the container.
 */
export function createContainerVeth(ctr: NetlinkSocket, hostNs: Netns, s: ContainerVethSettings): ContainerVeth {
  for (let attempt = 1; ; attempt++) {
    const hostName = randomVethName();
    try {
      const link = createVeth(ctr, {
        name: s.ifname,
        ...(s.mtu ? { mtu: s.mtu } : {}),
        ...(s.mac ? { mac: s.mac } : {}),
        peer: { name: hostName, netnsFd: hostNs.fd },
      });
      return { link, hostName };
    } catch (e) {
      if (!isNetlinkError(e, 'EEXIST')) throw e;
      if (getLink(ctr, s.ifname)) throw ifnameTaken(s.ifname);
      if (attempt === 10) throw e; // ten random names taken in a row is not chance
    }
  }
}
