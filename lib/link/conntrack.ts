import type { Family } from '../addr/index.ts';
import { ConntrackUnavailableError, type NetlinkSocket, deleteConntrackEntries, openConntrackSocket } from '../netlink/index.ts';

/** One kind of flow to forget: this protocol to this destination port. */
export interface StaleFlow {
  readonly protocol: 'udp' | 'sctp';
  readonly port: number;
}

/** Which conntrack entries to flush: these flows, in these families. */
export interface ConntrackFlush {
  readonly families: readonly Family[];
  readonly flows: readonly StaleFlow[];
}

/**
 * Deletes the conntrack entries of UDP and SCTP flows to the given ports, so a recreated
 * destination does not lose traffic to a stale entry pointing at its old address (plugins#123,
 * and on DEL plugins#1190). For SCTP the reconnect is often the same 5-tuple (peers bind fixed
 * ports), an ESTABLISHED entry outlives the pod by minutes and each retransmitted INIT refreshes
 * it. Best effort: a node without conntrack support has nothing to flush; a flow that fails is
 * reported on stderr and the others are still flushed.
 */
export function flushConntrack(f: ConntrackFlush, log: (line: string) => void): void {
  if (!f.flows.length || !f.families.length) return;
  let sock: NetlinkSocket;
  try {
    sock = openConntrackSocket();
  } catch (e) {
    if (e instanceof ConntrackUnavailableError) return;
    throw e;
  }
  try {
    for (const family of f.families) {
      for (const { protocol, port } of f.flows) {
        try {
          deleteConntrackEntries(sock, { family, protocol, dstPort: port });
        } catch (e) {
          log(`conntrack flush for ${protocol}/${port} failed: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    sock.close();
  }
}
