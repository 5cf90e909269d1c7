import { type Family, ipToBytes, lastAddress, parseIp } from '../addr/index.ts';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_F_DADFAILED,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFA_F_PERMANENT,
  IFA_F_TENTATIVE,
  IFA_FLAGS,
  IFA_LABEL,
  IFA_LOCAL,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_NEWADDR,
  RT_SCOPE_UNIVERSE,
} from './constants.ts';
import { isNetlinkError } from './errors.ts';
import type { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, readString, readU32, u32Attr } from './wire.ts';
import { decodeIfAddrMsg, encodeIfAddrMsg, IFADDRMSG_LEN } from './headers.ts';
import { readAddressAttr } from './ip-attr.ts';
import type { Attr, NlMessage } from './wire.ts';

/** An address to put on a link. */
export interface AddressSpec {
  /** '10.1.2.3' or '2001:db8::1'. */
  readonly address: string;
  readonly prefixLen: number;
  /** IFA_F_NODAD: skip IPv6 duplicate address detection so the address is usable at once. */
  readonly noDad?: boolean;
  /** IFA_F_NOPREFIXROUTE: do not add the connected route. */
  readonly noPrefixRoute?: boolean;
  /** RT_SCOPE_* value. @default RT_SCOPE_UNIVERSE */
  readonly scope?: number;
  /**
   * Set the IPv4 broadcast address (all host bits set), as the Go netlink library does.
   * Ignored for IPv6 and for /31 and /32.
   * @default true
   */
  readonly broadcast?: boolean;
}

/** An address as RTM_NEWADDR reports it. */
export interface Address {
  readonly index: number;
  readonly family: Family;
  readonly address: string;
  readonly prefixLen: number;
  /** Raw IFA_F_* flags (from IFA_FLAGS when present). */
  readonly flags: number;
  readonly scope: number;
  readonly label: string | undefined;
  /** IPv6 DAD still running: the address cannot be bound yet. */
  readonly tentative: boolean;
  /** IPv6 DAD found a duplicate. */
  readonly dadFailed: boolean;
  readonly permanent: boolean;
}

/** Filters for {@link listAddresses}. */
export interface AddressFilter {
  readonly index?: number;
  readonly family?: Family;
}

/**
 * Adds an address to a link (NLM_F_EXCL).
 * @throws {NetlinkError} code 'EEXIST' when the address is already there.
 */
export function addAddress(sock: NetlinkSocket, index: number, spec: AddressSpec): void {
  const ip = parseIp(spec.address);
  const { family } = ip;
  let flags = 0;
  if (spec.noDad === true) flags |= IFA_F_NODAD;
  if (spec.noPrefixRoute === true) flags |= IFA_F_NOPREFIXROUTE;
  const bytes = ipToBytes(ip);
  const attrs: Attr[] = [bytesAttr(IFA_LOCAL, bytes), bytesAttr(IFA_ADDRESS, bytes)];
  if (family === 4 && spec.broadcast !== false && spec.prefixLen < 31) {
    attrs.push(bytesAttr(IFA_BROADCAST, ipToBytes(lastAddress({ ip, prefix: spec.prefixLen }))));
  }
  if (flags !== 0) attrs.push(u32Attr(IFA_FLAGS, flags));
  sock.request({
    type: RTM_NEWADDR,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    header: encodeIfAddrMsg({
      family: family === 4 ? AF_INET : AF_INET6,
      prefixLen: spec.prefixLen,
      flags: flags & 0xff,
      scope: spec.scope ?? RT_SCOPE_UNIVERSE,
      index,
    }),
    attrs,
    what: `add address ${spec.address}/${spec.prefixLen} to ifindex ${index}`,
  });
}

/**
 * Removes an address from a link. Returns false when it was already gone
 * (EADDRNOTAVAIL, or ENODEV because the link itself is gone).
 * @throws {NetlinkError} for other failures.
 */
export function deleteAddress(sock: NetlinkSocket, index: number, spec: Pick<AddressSpec, 'address' | 'prefixLen'>): boolean {
  const ip = parseIp(spec.address);
  const family = ip.family;
  const bytes = ipToBytes(ip);
  try {
    sock.request({
      type: RTM_DELADDR,
      header: encodeIfAddrMsg({ family: family === 4 ? AF_INET : AF_INET6, prefixLen: spec.prefixLen, index }),
      attrs: [bytesAttr(IFA_LOCAL, bytes), bytesAttr(IFA_ADDRESS, bytes)],
      what: `delete address ${spec.address}/${spec.prefixLen} from ifindex ${index}`,
    });
    return true;
  } catch (err) {
    if (isNetlinkError(err, 'EADDRNOTAVAIL', 'ENODEV')) return false;
    throw err;
  }
}

/**
 * Lists addresses, optionally of one link and/or one family.
 * @throws {NetlinkError}
 */
export function listAddresses(sock: NetlinkSocket, filter: AddressFilter = {}): Address[] {
  const family = filter.family === undefined ? AF_UNSPEC : filter.family === 4 ? AF_INET : AF_INET6;
  // With NETLINK_GET_STRICT_CHK the kernel filters by ifa_index; we filter again for old kernels.
  const messages = sock.dump({
    type: RTM_GETADDR,
    header: encodeIfAddrMsg({ family, index: filter.index ?? 0 }),
    what: 'list addresses',
  });
  return messages
    .filter((m) => m.type === RTM_NEWADDR)
    .map(parseAddress)
    .filter((a): a is Address => a !== undefined)
    .filter((a) => (filter.index === undefined || a.index === filter.index) && (filter.family === undefined || a.family === filter.family));
}

/**
 * Decodes one RTM_NEWADDR message; undefined for families other than IPv4/IPv6.
 * @throws {RangeError} for a malformed message (see wire.ts)
 */
export function parseAddress(msg: NlMessage): Address | undefined {
  const ifa = decodeIfAddrMsg(msg.payload);
  if (ifa.family !== AF_INET && ifa.family !== AF_INET6) return undefined;
  const attrs = attrMap(msg.payload.subarray(IFADDRMSG_LEN));
  // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links.
  const raw = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
  if (raw === undefined) return undefined;
  const family: Family = ifa.family === AF_INET ? 4 : 6;
  const flags = readU32(attrs.get(IFA_FLAGS)) ?? ifa.flags;
  const label = attrs.get(IFA_LABEL);
  return {
    index: ifa.index,
    family,
    address: readAddressAttr(raw, family, 'address attribute'),
    prefixLen: ifa.prefixLen,
    flags,
    scope: ifa.scope,
    label: label === undefined ? undefined : readString(label),
    tentative: (flags & IFA_F_TENTATIVE) !== 0,
    dadFailed: (flags & IFA_F_DADFAILED) !== 0,
    permanent: (flags & IFA_F_PERMANENT) !== 0,
  };
}
