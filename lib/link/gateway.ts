import { type Family, parseIp, prefixMask } from '../addr/index.ts';
import { CniError, ErrorCode } from '../cni/index.ts';
import { type Link, type NetlinkSocket, addAddress, deleteAddress, getLink, isNetlinkError, listAddresses, setLink } from '../netlink/index.ts';
import { ensureSysctl } from './sysctl.ts';

/** A gateway address to put on a host-side link (a bridge, or a VLAN's gateway interface). */
export interface Gateway {
  readonly family: Family;
  /** e.g. '10.1.0.1', in canonical text */
  readonly ip: string;
  readonly prefixLength: number;
}

function overlaps(a: { address: string; prefixLen: number }, b: Gateway): boolean {
  // IPv6 gateways conflict only when their prefixes overlap: compare the shorter prefix's bits
  const mask = prefixMask(6, Math.min(a.prefixLen, b.prefixLength));
  return (parseIp(a.address).value & mask) === (parseIp(b.ip).value & mask);
}

/**
 * Puts a gateway address on a link. An exact match is fine; any other IPv4 address, or an
 * overlapping IPv6 prefix, is a conflict unless `replace` allows replacing it.
 * @throws CniError naming the conflicting address and the forceAddress option.
 */
export function ensureGateway(host: NetlinkSocket, link: Link, gw: Gateway, replace: boolean): void {
  const existing = listAddresses(host, { index: link.index, family: gw.family }).filter((a) => a.scope === 0);
  if (existing.some((a) => a.address === gw.ip && a.prefixLen === gw.prefixLength)) return;
  const conflicts = gw.family === 4 ? existing : existing.filter((a) => overlaps(a, gw));
  for (const c of conflicts) {
    if (!replace) {
      throw new CniError(
        ErrorCode.Internal,
        `"${link.name}" already has an IP address different from ${gw.ip}/${gw.prefixLength}: ${c.address}/${c.prefixLen}`,
        'another network config uses this bridge with another subnet; give each network its own "bridge", or set "forceAddress": true to replace the address',
      );
    }
    deleteAddress(host, link.index, { address: c.address, prefixLen: c.prefixLen });
  }
  try {
    addAddress(host, link.index, { address: gw.ip, prefixLen: gw.prefixLength, noDad: gw.family === 6 });
  } catch (e) {
    if (!isNetlinkError(e, 'EEXIST')) throw e; // a parallel ADD added it
    return;
  }
  if (link.kind === 'bridge') pinBridgeMac(host, link.index);
}

/**
 * Sets a bridge we did not create (its MAC follows its ports) to its own current MAC, which
 * fixes it, as the reference does; but only when this ADD added the gateway address (setting
 * a MAC flushes the bridge's neighbour table, which must not happen on every ADD) and from a
 * fresh read (re-applying a stale or all-zero MAC is the reference's bug 4.1).
 */
function pinBridgeMac(host: NetlinkSocket, index: number): void {
  const now = getLink(host, index);
  if (!now?.mac || /^(00:){5}00$/.test(now.mac)) return;
  setLink(host, index, { mac: now.mac });
}

/** Turns on forwarding in the calling thread's netns for the given families. */
export function enableForwarding(families: readonly Family[]): void {
  if (families.includes(4)) ensureSysctl('net/ipv4/ip_forward', '1');
  if (families.includes(6)) ensureSysctl('net/ipv6/conf/all/forwarding', '1');
}
