import type { Family } from '../addr/index.ts';
import { ConntrackUnavailableError, type NetlinkSocket, deleteConntrackEntries, openConntrackSocket } from '../netlink/index.ts';

/** Which conntrack entries to flush: UDP to these destination ports, in these families. */
export interface UdpFlush {
  readonly families: readonly Family[];
  readonly ports: readonly number[];
}

/**
 * Deletes the conntrack entries of UDP flows to the given ports, so a recreated destination
 * does not lose traffic to a stale entry pointing at its old address (plugins#123, and on DEL
 * plugins#1190). Best effort: a node without conntrack support has nothing to flush; a port
 * that fails is reported on stderr and the others are still flushed.
 */
export function flushUdpConntrack(f: UdpFlush, log: (line: string) => void): void {
  if (!f.ports.length || !f.families.length) return;
  let sock: NetlinkSocket;
  try {
    sock = openConntrackSocket();
  } catch (e) {
    if (e instanceof ConntrackUnavailableError) return;
    throw e;
  }
  try {
    for (const family of f.families) {
      for (const port of f.ports) {
        try {
          deleteConntrackEntries(sock, { family, protocol: 'udp', dstPort: port });
        } catch (e) {
          log(`conntrack flush for udp/${port} failed: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    sock.close();
  }
}
