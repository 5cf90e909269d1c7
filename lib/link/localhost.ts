import { cidrContains, parseCidr, parseIp } from '../addr/index.ts';
import { NetlinkSocket, getLink, listRoutes } from '../netlink/index.ts';
import { ensureSysctl } from './sysctl.ts';

/**
 * Lets 127.0.0.1 reach an IPv4 address by DNAT: route_localnet on the host interface that
 * routes to it (for a pod, its bridge). The caller must drop martian 127/8 traffic that would
 * otherwise leave the node (portmap's localhost guard rule, plugins#729).
 */
export function allowLocalhostTo(ip: string): void {
  const target = parseIp(ip);
  const sock = NetlinkSocket.open();
  try {
    let best: { prefix: number; oif: number } | undefined;
    for (const r of listRoutes(sock, { family: 4 })) {
      if (r.oif === undefined) continue;
      const dst = parseCidr(r.dst);
      if (cidrContains(dst, target) && (!best || dst.prefix > best.prefix)) best = { prefix: dst.prefix, oif: r.oif };
    }
    if (!best) return;
    const link = getLink(sock, best.oif);
    if (link) ensureSysctl(`net/ipv4/conf/${link.name}/route_localnet`, '1');
  } finally {
    sock.close();
  }
}
