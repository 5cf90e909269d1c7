import { type Cidr, ipToString, parseCidr, subnetOf } from '../../lib/addr/index.ts';
import type { Interface, Result } from '../../lib/cni/index.ts';
import type { Address, Link, Route } from '../../lib/link/index.ts';
import type { BridgeConfig } from './config.ts';

/** What CHECK read from the kernel, on both sides. */
export interface ObservedAttachment {
  readonly bridge: Link | undefined;
  readonly container: Link | undefined;
  /** The host links named by prevResult's host-side interfaces (other than the bridge). */
  readonly hostLinks: readonly (Link | undefined)[];
  readonly containerAddresses: readonly Address[];
  readonly containerRoutes: readonly Route[];
}

/** The interfaces of prevResult that CHECK compares with the kernel. */
export interface ExpectedInterfaces {
  readonly bridge: Interface | undefined;
  readonly container: Interface;
}

function sameMac(a: string | undefined, b: string | undefined): boolean {
  return !a || !b || a.toLowerCase() === b.toLowerCase();
}

/**
 * The first way the kernel differs from prevResult and the config, in the order a person
 * would look (bridge, container interface, its host end, addresses, routes), or undefined
 * when everything is there.
 */
export function firstMismatch(cfg: BridgeConfig, req: { ifname: string; netns: string }, prev: Result, want: ExpectedInterfaces, seen: ObservedAttachment): string | undefined {
  const { bridge, container: link } = seen;
  if (!bridge) return `bridge ${cfg.bridge} does not exist`;
  if (bridge.kind !== 'bridge') return `${cfg.bridge} is not a bridge`;
  if (want.bridge && !sameMac(want.bridge.mac, bridge.mac)) return `bridge ${cfg.bridge} has MAC ${bridge.mac}, prevResult says ${want.bridge.mac}`;
  if (bridge.promisc !== cfg.promiscMode) return `bridge ${cfg.bridge} promiscuous mode is ${bridge.promisc ? 'on' : 'off'}, the config says ${cfg.promiscMode ? 'on' : 'off'}`;

  if (!link) return `interface ${req.ifname} does not exist in ${req.netns}`;
  if (link.kind !== 'veth') return `interface ${req.ifname} in ${req.netns} is a ${link.kind ?? 'device'}, not a veth`;
  if (!sameMac(want.container.mac, link.mac)) return `interface ${req.ifname} has MAC ${link.mac}, prevResult says ${want.container.mac}`;

  const peer = seen.hostLinks.find((l) => l?.kind === 'veth' && l.index === link.link);
  if (!peer) return `the host end of ${req.ifname} (ifindex ${link.link}) is not among prevResult's interfaces`;
  if (peer.master !== bridge.index) return `host veth ${peer.name} is not a port of ${cfg.bridge}`;

  for (const ip of prev.ips ?? []) {
    const c: Cidr = parseCidr(ip.address);
    const addr = ipToString(c.ip);
    if (!seen.containerAddresses.some((a) => a.address === addr && a.prefixLen === c.prefix)) return `address ${ip.address} is missing on ${req.ifname}`;
    const net = subnetOf(c);
    if (!seen.containerRoutes.some((r) => r.dst === net)) return `the route to ${net} is missing in ${req.netns}`;
  }
  for (const r of prev.routes ?? []) {
    const dstText = subnetOf(parseCidr(r.dst));
    const found = seen.containerRoutes.some((x) => x.dst === dstText && (!r.gw || x.gateway === r.gw));
    if (!found) return `route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing in ${req.netns}`;
  }
  return undefined;
}
