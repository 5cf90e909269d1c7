import type { Interface } from '../../lib/cni/index.ts';
import type { Link, TunInfo } from '../../lib/link/index.ts';
import type { TapConfig } from './config.ts';

/** What CHECK read of the tap from the kernel. */
export interface ObservedTap {
  readonly link: Link | undefined;
  readonly info: TunInfo | undefined;
  /** The configured bridge, looked up in the container. */
  readonly bridge: Link | undefined;
}

function describeId(id: number | undefined): string {
  return id === undefined ? 'none' : String(id);
}

/**
 * The first way the tap differs from the configuration and prevResult, in words; undefined
 * when it is as ADD left it: a tap (kind tun, type tap), persistent, multi-queue, owner and
 * group as configured, prevResult's MAC, up, and a port of the configured bridge. The
 * reference checks none of this (only addresses and routes).
 */
export function firstTapMismatch(ifname: string, cfg: TapConfig, want: Interface, seen: ObservedTap): string | undefined {
  const { link, info } = seen;
  if (!link) return `interface ${ifname} does not exist`;
  if (link.kind !== 'tun' || !info) return `interface ${ifname} is a ${link.kind ?? 'device without a kind'}, not a tap`;
  if (info.type !== 'tap') return `interface ${ifname} is a ${info.type ?? 'tun/tap device of unknown type'}, not a tap`;
  if (!info.persist) return `tap ${ifname} is not persistent`;
  if (info.multiQueue !== cfg.multiQueue) return `tap ${ifname} is ${info.multiQueue ? '' : 'not '}multi-queue, the config says multiQueue ${cfg.multiQueue}`;
  if (info.owner !== cfg.owner) return `tap ${ifname} has owner ${describeId(info.owner)}, the config says ${describeId(cfg.owner)}`;
  if (info.group !== cfg.group) return `tap ${ifname} has group ${describeId(info.group)}, the config says ${describeId(cfg.group)}`;
  if (want.mac && link.mac?.toLowerCase() !== want.mac.toLowerCase()) return `tap ${ifname} has MAC ${link.mac}, prevResult says ${want.mac}`;
  if (!link.up) return `tap ${ifname} is down`;
  if (cfg.bridge !== undefined) {
    if (!seen.bridge) return `bridge ${cfg.bridge} does not exist`;
    if (link.master !== seen.bridge.index) return `tap ${ifname} is not a port of bridge ${cfg.bridge}`;
  }
  return undefined;
}
