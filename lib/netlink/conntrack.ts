import { EPROTONOSUPPORT, SysError } from '../sys/index.ts';
import type { Family } from '../addr/index.ts';
import {
  AF_INET,
  AF_INET6,
  CTA_ID,
  CTA_PROTO_DST_PORT,
  CTA_PROTO_NUM,
  CTA_TUPLE_ORIG,
  CTA_TUPLE_PROTO,
  CTA_ZONE,
  IPCTNL_MSG_CT_DELETE,
  IPCTNL_MSG_CT_GET,
  IPCTNL_MSG_CT_NEW,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NETLINK_NETFILTER,
  NFNETLINK_V0,
  NFNL_SUBSYS_CTNETLINK,
  NLA_F_NESTED,
} from './constants.ts';
import { NetlinkError, isNetlinkError } from './errors.ts';
import { NetlinkSocket } from './socket.ts';
import type { NetlinkSocketOptions } from './socket.ts';
import { attrMap, bytesAttr, parseAttrs, readU8 } from './wire.ts';
import { encodeNfGenMsg, NFGENMSG_LEN } from './headers.ts';
import type { Attr, NlMessage } from './wire.ts';

/** Which conntrack entries to delete: all of one family and L4 protocol to one destination port. */
export interface ConntrackFilter {
  readonly family: Family;
  readonly protocol: 'tcp' | 'udp' | 'sctp' | number;
  /** Destination port of the ORIGINAL direction tuple (the host port for portmap). */
  readonly dstPort: number;
}

/**
 * conntrack is not available in this kernel (nfnetlink or nf_conntrack_netlink missing).
 * Callers flushing entries as a best-effort step can ignore it.
 */
export class ConntrackUnavailableError extends Error {
  override readonly name = 'ConntrackUnavailableError';
}

const PROTOCOLS = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP } as const;

/**
 * Opens a NETLINK_NETFILTER socket in the current netns.
 * @throws {ConntrackUnavailableError} when the kernel has no nfnetlink.
 */
export function openConntrackSocket(options: NetlinkSocketOptions = {}): NetlinkSocket {
  try {
    return NetlinkSocket.open(NETLINK_NETFILTER, options);
  } catch (err) {
    if (err instanceof SysError && err.errno === EPROTONOSUPPORT) {
      throw new ConntrackUnavailableError('conntrack unavailable: the kernel has no nfnetlink', { cause: err });
    }
    throw err;
  }
}

/**
 * Deletes every conntrack entry whose original tuple matches the filter, so a stale UDP
 * flow does not keep bypassing a fresh port mapping. Dumps the table (kernel-filtered by
 * family) and deletes matches one by one; entries that vanish meanwhile (ENOENT) are fine.
 * Returns how many entries were deleted.
 * @throws {ConntrackUnavailableError} when ctnetlink is not available.
 * @throws {NetlinkError} for other failures.
 */
export function deleteConntrackEntries(sock: NetlinkSocket, filter: ConntrackFilter): number {
  const family = filter.family === 4 ? AF_INET : AF_INET6;
  const protocol = typeof filter.protocol === 'number' ? filter.protocol : PROTOCOLS[filter.protocol];
  const header = encodeNfGenMsg({ family, version: NFNETLINK_V0 });
  let entries: NlMessage[];
  try {
    entries = sock.dump({ type: ctType(IPCTNL_MSG_CT_GET), header, what: 'dump conntrack table' });
  } catch (err) {
    // nfnetlink answers EINVAL (older: EOPNOTSUPP) when the ctnetlink subsystem is missing.
    if (isNetlinkError(err, 'EINVAL', 'EOPNOTSUPP', 'EPROTONOSUPPORT')) {
      throw new ConntrackUnavailableError(`conntrack unavailable: ${(err as NetlinkError).message}`, { cause: err });
    }
    throw err;
  }
  let deleted = 0;
  for (const msg of entries) {
    if (msg.type !== ctType(IPCTNL_MSG_CT_NEW)) continue;
    const attrs = parseAttrs(msg.payload.subarray(NFGENMSG_LEN));
    const orig = attrs.find((a) => a.type === CTA_TUPLE_ORIG);
    if (orig === undefined || !tupleMatches(orig.value, protocol, filter.dstPort)) continue;
    const key: Attr[] = [bytesAttr(CTA_TUPLE_ORIG | NLA_F_NESTED, orig.value)];
    for (const a of attrs) if (a.type === CTA_ZONE || a.type === CTA_ID) key.push(bytesAttr(a.type, a.value));
    try {
      sock.request({ type: ctType(IPCTNL_MSG_CT_DELETE), header, attrs: key, what: 'delete conntrack entry' });
      deleted++;
    } catch (err) {
      if (!isNetlinkError(err, 'ENOENT')) throw err;
    }
  }
  return deleted;
}

function ctType(msg: number): number {
  return (NFNL_SUBSYS_CTNETLINK << 8) | msg;
}

function tupleMatches(tuple: Buffer, protocol: number, dstPort: number): boolean {
  const proto = attrMap(tuple).get(CTA_TUPLE_PROTO);
  if (proto === undefined) return false;
  const p = attrMap(proto);
  const port = p.get(CTA_PROTO_DST_PORT);
  return readU8(p.get(CTA_PROTO_NUM)) === protocol && port !== undefined && port.length >= 2 && port.readUInt16BE(0) === dstPort;
}
