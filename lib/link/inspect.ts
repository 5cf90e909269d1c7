import { type NetlinkSocket, listAddresses } from '../netlink/index.ts';

/** The link's global-scope addresses as CIDR text (e.g. `10.1.0.5/16`): what an attachment was given. */
export function globalAddresses(sock: NetlinkSocket, index: number): string[] {
  return listAddresses(sock, { index })
    .filter((a) => a.scope === 0)
    .map((a) => `${a.address}/${a.prefixLen}`);
}
