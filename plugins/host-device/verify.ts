import { ipToString, parseCidr, parseIp, subnetOf } from '../../lib/addr/index.ts';
import type { Interface, Result } from '../../lib/cni/index.ts';
import type { Address, Link, Route } from '../../lib/link/index.ts';

/** What CHECK read in the pod. */
export interface ObservedDevice {
  readonly link: Link | undefined;
  /** The link's alias ('' for none): the original name DEL restores. */
  readonly alias: string;
  readonly addresses: readonly Address[];
  readonly routes: readonly Route[];
}

function canonical(ip: string): string {
  return ipToString(parseIp(ip));
}

/**
 * The first way the pod differs from prevResult: the device under CNI_IFNAME with the MAC the
 * result gave, its original name still recorded (else DEL could not return it), each address
 * of prevResult on it, each route of prevResult present. Undefined when all is there.
 */
export function firstMismatch(req: { ifname: string; netns: string }, prev: Result, want: Interface, seen: ObservedDevice): string | undefined {
  const link = seen.link;
  if (!link) return `interface ${req.ifname} does not exist in ${req.netns}`;
  if (want.mac && link.mac && want.mac.toLowerCase() !== link.mac.toLowerCase()) return `interface ${req.ifname} has MAC ${link.mac}, prevResult says ${want.mac}`;
  if (!seen.alias) return `interface ${req.ifname} has no alias: its original name on the node is lost, so DEL cannot return it`;
  for (const ip of prev.ips ?? []) {
    const c = parseCidr(ip.address);
    const addr = ipToString(c.ip);
    if (!seen.addresses.some((a) => a.index === link.index && a.address === addr && a.prefixLen === c.prefix)) return `address ${ip.address} is missing on ${req.ifname}`;
  }
  for (const r of prev.routes ?? []) {
    const dst = subnetOf(parseCidr(r.dst));
    if (!seen.routes.some((x) => x.dst === dst && (!r.gw || (x.gateway !== undefined && x.gateway === canonical(r.gw))))) return `route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing in ${req.netns}`;
  }
  return undefined;
}
