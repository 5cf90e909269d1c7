import { ipToString, parseCidr, parseIp, subnetOf } from '../addr/index.ts';
import type { IpConfig, Route as ResultRoute } from '../cni/index.ts';
import type { Address, Route } from '../netlink/index.ts';

/** What CHECK read of a container's L3 state. */
export interface ObservedL3 {
  /** The interface's addresses. */
  readonly addresses: readonly Address[];
  /** The namespace's routes, both families. */
  readonly routes: readonly Route[];
}

/**
 * The first address or route of a result that the kernel does not have, in words; undefined
 * when all are there. Each address must be on the interface with its prefix, each route must
 * exist to its destination (through its gateway when the result names one), as the
 * reference's CHECK requires.
 */
export function missingL3(where: { ifname: string; netns: string }, expected: { ips?: readonly IpConfig[] | undefined; routes?: readonly ResultRoute[] | undefined }, seen: ObservedL3): string | undefined {
  for (const ip of expected.ips ?? []) {
    const c = parseCidr(ip.address);
    const addr = ipToString(c.ip);
    if (!seen.addresses.some((a) => a.address === addr && a.prefixLen === c.prefix)) return `address ${ip.address} is missing on ${where.ifname}`;
  }
  for (const r of expected.routes ?? []) {
    const dst = subnetOf(parseCidr(r.dst));
    const gw = r.gw === undefined ? undefined : ipToString(parseIp(r.gw));
    if (!seen.routes.some((x) => x.dst === dst && (gw === undefined || x.gateway === gw))) return `route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing in ${where.netns}`;
  }
  return undefined;
}
