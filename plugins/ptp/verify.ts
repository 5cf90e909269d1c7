import { ipToString, parseCidr, parseIp, subnetOf } from '../../lib/addr/index.ts';
import type { Interface, Result } from '../../lib/cni/index.ts';
import type { Address, Link, Route } from '../../lib/link/index.ts';

/** What CHECK read from the kernel, on both ends. */
export interface ObservedAttachment {
  readonly container: Link | undefined;
  readonly containerAddresses: readonly Address[];
  readonly containerRoutes: readonly Route[];
  /** The host links named by prevResult's host-side interfaces. */
  readonly hostLinks: readonly (Link | undefined)[];
  readonly hostAddresses: readonly Address[];
  readonly hostRoutes: readonly Route[];
}


function canonical(ip: string): string {
  return ipToString(parseIp(ip));
}

function sameMac(a: string | undefined, b: string | undefined): boolean {
  return !a || !b || a.toLowerCase() === b.toLowerCase();
}

/**
 * The first way the kernel differs from prevResult, in the order a person would look: the
 * container interface, its addresses and the routes to their subnets, IPAM's routes (the
 * reference's checks), then the host end: the peer address and the host route back to each
 * address (which the reference does not check). Undefined when everything is there.
 */
export function firstMismatch(req: { ifname: string; netns: string }, prev: Result, want: Interface, seen: ObservedAttachment): string | undefined {
  const link = seen.container;
  if (!link) return `interface ${req.ifname} does not exist in ${req.netns}`;
  if (link.kind !== 'veth') return `interface ${req.ifname} in ${req.netns} is a ${link.kind ?? 'device'}, not a veth`;
  if (!sameMac(want.mac, link.mac)) return `interface ${req.ifname} has MAC ${link.mac}, prevResult says ${want.mac}`;

  for (const ip of prev.ips ?? []) {
    const c = parseCidr(ip.address);
    const addr = ipToString(c.ip);
    if (!seen.containerAddresses.some((a) => a.address === addr && a.prefixLen === c.prefix)) return `address ${ip.address} is missing on ${req.ifname}`;
    const net = subnetOf(c);
    if (!seen.containerRoutes.some((r) => r.dst === net)) return `the route to ${net} is missing in ${req.netns}`;
  }
  for (const r of prev.routes ?? []) {
    const dst = subnetOf(parseCidr(r.dst));
    const found = seen.containerRoutes.some((x) => x.dst === dst && (!r.gw || (x.gateway !== undefined && x.gateway === canonical(r.gw))));
    if (!found) return `route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing in ${req.netns}`;
  }

  const hostVeth = seen.hostLinks.find((l) => l?.kind === 'veth' && l.index === link.link);
  if (!hostVeth) return `the host end of ${req.ifname} (ifindex ${link.link}) is not among prevResult's interfaces`;
  for (const ip of prev.ips ?? []) {
    if (!ip.gateway) continue;
    const c = parseCidr(ip.address);
    const bits = c.ip.family === 4 ? 32 : 128;
    const peer = canonical(ip.gateway);
    if (!seen.hostAddresses.some((a) => a.index === hostVeth.index && a.address === peer && a.prefixLen === bits)) return `address ${peer}/${bits} is missing on host veth ${hostVeth.name}`;
    const back = `${ipToString(c.ip)}/${bits}`;
    if (!seen.hostRoutes.some((r) => r.dst === back && r.oif === hostVeth.index)) return `the host route to ${back} via ${hostVeth.name} is missing`;
  }
  return undefined;
}
