import type { Interface, Result } from '../../lib/cni/index.ts';
import { type Address, type ChildLinkState, type Link, type Route, firstL3Mismatch } from '../../lib/link/index.ts';

/** What CHECK read from the kernel. */
export interface ObservedIpvlan {
  readonly state: ChildLinkState | undefined;
  /** undefined: no master configured, so none to compare with. */
  readonly master: Link | undefined;
  readonly addresses: readonly Address[];
  readonly routes: readonly Route[];
}

/**
 * The first way the kernel differs from prevResult, in the reference's order (the interface,
 * its kind, mode and MAC, its addresses, the routes) plus its parent being the configured
 * master; undefined when everything is there.
 */
export function firstMismatch(ifname: string, mode: string, prev: Result, want: Interface, seen: ObservedIpvlan): string | undefined {
  const link = seen.state?.link;
  if (!link) return `container interface ${ifname} from prevResult does not exist in ${want.sandbox}`;
  if (link.kind !== 'ipvlan') return `container interface ${ifname} is a ${link.kind ?? 'device without a kind'}, not an ipvlan`;
  if (seen.state?.mode !== mode) return `container ipvlan mode ${seen.state?.mode ?? 'unknown'} does not match the configured ${mode}`;
  if (want.mac && want.mac.toLowerCase() !== link.mac) return `interface ${ifname} has MAC ${link.mac}, prevResult says ${want.mac}`;
  if (seen.master && link.link !== seen.master.index) return `interface ${ifname} is not a child of master "${seen.master.name}" (its parent is ifindex ${link.link})`;
  return firstL3Mismatch(ifname, prev, seen.addresses, seen.routes);
}
