import { parseCidr, parseIp, cidrContains } from '../../lib/addr/index.ts';
import type { PortmapSpec } from '../../lib/firewall/portmap/index.ts';
import { ConntrackUnavailableError, NetlinkSocket, deleteConntrackEntries, getLink, listRoutes, openConntrackSocket } from '../../lib/netlink/index.ts';
import { writeSysctl } from '../../lib/netns/index.ts';

/**
 * Lets 127.0.0.1:hostPort reach the container: route_localnet on the host interface that
 * routes to it (the bridge). The localhost guard rule installed by the firewall backend drops
 * martian 127/8 traffic that would otherwise leave the node (plugins#729).
 */
export function allowLocalhostTo(containerIp: string): void {
  const ip = parseIp(containerIp);
  const sock = NetlinkSocket.open();
  try {
    let best: { prefix: number; oif: number } | undefined;
    for (const r of listRoutes(sock, { family: 4 })) {
      if (r.oif === undefined) continue;
      const dst = parseCidr(r.dst);
      if (cidrContains(dst, ip) && (!best || dst.prefix > best.prefix)) best = { prefix: dst.prefix, oif: r.oif };
    }
    if (!best) return;
    const link = getLink(sock, best.oif);
    if (link) writeSysctl(`net/ipv4/conf/${link.name}/route_localnet`, '1');
  } finally {
    sock.close();
  }
}

/**
 * Deletes conntrack entries for the UDP host ports, so a recreated container does not lose
 * traffic to a stale entry pointing at its old address (plugins#123, and on DEL plugins#1190).
 * Best effort: a node without conntrack support has nothing to flush.
 */
export function flushUdpConntrack(spec: PortmapSpec): void {
  const udp = spec.mappings.filter((m) => m.protocol === 'udp');
  if (!udp.length) return;
  let sock: NetlinkSocket;
  try {
    sock = openConntrackSocket();
  } catch (e) {
    if (e instanceof ConntrackUnavailableError) return;
    throw e;
  }
  try {
    for (const family of [4, 6] as const) {
      if ((family === 4 ? spec.containerIPv4 : spec.containerIPv6) === undefined) continue;
      for (const m of udp) {
        try {
          deleteConntrackEntries(sock, { family, protocol: 'udp', dstPort: m.hostPort });
        } catch (e) {
          process.stderr.write(`portmap: conntrack flush for udp/${m.hostPort} failed: ${(e as Error).message}\n`);
        }
      }
    }
  } finally {
    sock.close();
  }
}
