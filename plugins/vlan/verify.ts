import { ipToString, parseCidr, parseIp, subnetOf } from '../../lib/addr/index.ts';
import type { Interface, Result } from '../../lib/cni/index.ts';
import type { Address, Link, Route, VlanInfo } from '../../lib/link/index.ts';
import type { VlanConfig } from './config.ts';

/** What CHECK read from the kernel. */
export interface ObservedVlan {
  readonly link: Link | undefined;
  readonly vlan: VlanInfo | undefined;
  /** The master where the config says it is. */
  readonly master: Link | undefined;
  readonly addresses: readonly Address[];
  readonly routes: readonly Route[];
}

function canonical(ip: string): string {
  return ipToString(parseIp(ip));
}

/**
 * The first way the kernel differs from the config and prevResult, in the order a person would
 * look: the master, the pod's interface (a VLAN device of the configured id on that master,
 * its MAC and MTU), its addresses, IPAM's routes. Undefined when everything is there. (The
 * reference does not compare the master: ours does, by its ifindex.)
 */
export function firstMismatch(req: { ifname: string; netns: string }, cfg: VlanConfig, prev: Result, want: Interface, seen: ObservedVlan): string | undefined {
  if (!seen.master) return `master ${cfg.master} does not exist${cfg.linkInContainer ? ' in the pod' : ''}`;
  const link = seen.link;
  if (!link) return `interface ${req.ifname} does not exist in ${req.netns}`;
  if (link.kind !== 'vlan' || !seen.vlan) return `interface ${req.ifname} in ${req.netns} is a ${link.kind ?? 'device'}, not a vlan`;
  if (seen.vlan.vlanId !== cfg.vlanId) return `interface ${req.ifname} has VLAN id ${seen.vlan.vlanId}, the config says ${cfg.vlanId}`;
  if (link.link !== seen.master.index) return `interface ${req.ifname} is not on master ${cfg.master} (its parent is ifindex ${link.link ?? 'none'}, the master's is ${seen.master.index})`;
  if (want.mac && link.mac && want.mac.toLowerCase() !== link.mac.toLowerCase()) return `interface ${req.ifname} has MAC ${link.mac}, prevResult says ${want.mac}`;
  if (cfg.mtu !== undefined && link.mtu !== cfg.mtu) return `interface ${req.ifname} has MTU ${link.mtu}, the config says ${cfg.mtu}`;
  for (const ip of prev.ips ?? []) {
    const c = parseCidr(ip.address);
    const addr = ipToString(c.ip);
    if (!seen.addresses.some((a) => a.address === addr && a.prefixLen === c.prefix)) return `address ${ip.address} is missing on ${req.ifname}`;
  }
  for (const r of prev.routes ?? []) {
    const dst = subnetOf(parseCidr(r.dst));
    const found = seen.routes.some((x) => x.dst === dst && (!r.gw || (x.gateway !== undefined && x.gateway === canonical(r.gw))));
    if (!found) return `route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing in ${req.netns}`;
  }
  return undefined;
}
