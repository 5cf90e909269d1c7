import { CniError, ErrorCode } from '../cni/index.ts';
import { type Link, type NetlinkSocket, addAddress, addRoute, getLink, isNetlinkError, listAddresses, setLink } from '../netlink/index.ts';
import { type Netns, withNetns, writeSysctl } from '../netns/index.ts';
import { trySysctl } from './sysctl.ts';

/** One address of an interface. */
export interface InterfaceAddress {
  /** Without prefix, e.g. '10.1.0.5'. */
  readonly ip: string;
  readonly prefixLength: number;
}

/** One route through an interface, its gateway already resolved. */
export interface InterfaceRoute {
  readonly dst: string;
  readonly gateway?: string | undefined;
  readonly priority?: number | undefined;
  readonly table?: number | undefined;
  readonly scope?: number | undefined;
  readonly mtu?: number | undefined;
  readonly advmss?: number | undefined;
}

/** The L3 configuration of a container's interface. */
export interface InterfaceSettings {
  readonly addresses: readonly InterfaceAddress[];
  readonly routes: readonly InterfaceRoute[];
  /** It has an IPv6 address: IPv6 must be switched on for it. */
  readonly ipv6: boolean;
  /** Run IPv6 duplicate address detection (and wait for it) instead of skipping it. */
  readonly dad: boolean;
}

/**
 * Sysctls inside the container (synchronous, on this thread, inside the namespace): DAD off
 * unless enabled (waiting for DAD costs 1-2 s per pod), arp_notify so neighbours learn the
 * new MAC at once, and IPv6 switched on for the interface and lo when it gets a v6 address.
 */
function interfaceSysctls(ns: Netns, ifname: string, s: InterfaceSettings): void {
  withNetns(ns, () => {
    trySysctl(`net/ipv4/conf/${ifname}/arp_notify`, '1');
    if (!s.ipv6) return;
    trySysctl('net/ipv6/conf/lo/disable_ipv6', '0');
    // required: without it the IPv6 addresses below cannot be added
    writeSysctl(`net/ipv6/conf/${ifname}/disable_ipv6`, '0');
    trySysctl(`net/ipv6/conf/${ifname}/keep_addr_on_down`, '1');
    if (s.dad) {
      trySysctl(`net/ipv6/conf/${ifname}/enhanced_dad`, '1');
      trySysctl(`net/ipv6/conf/${ifname}/accept_dad`, '1');
    } else {
      trySysctl(`net/ipv6/conf/${ifname}/accept_dad`, '0');
    }
  });
}

/**
 * Addresses, link up, routes: everything a container interface needs for L3, in the
 * container's namespace (`ctr` is a socket opened there).
 * @throws CniError naming a route the kernel refused, or a failed duplicate address detection.
 */
export async function configureInterface(ns: Netns, ctr: NetlinkSocket, link: Link, s: InterfaceSettings): Promise<void> {
  interfaceSysctls(ns, link.name, s);
  for (const a of s.addresses) addAddress(ctr, link.index, { address: a.ip, prefixLen: a.prefixLength, noDad: !s.dad });
  setLink(ctr, link.index, { up: true });
  if (s.dad && s.ipv6) await waitForDad(ctr, link.index);
  for (const route of s.routes) {
    try {
      addRoute(ctr, {
        dst: route.dst,
        oif: link.index,
        ...(route.gateway ? { gateway: route.gateway } : {}),
        ...(route.priority !== undefined ? { priority: route.priority } : {}),
        ...(route.table !== undefined ? { table: route.table } : {}),
        ...(route.scope !== undefined ? { scope: route.scope } : {}),
        ...(route.mtu !== undefined ? { mtu: route.mtu } : {}),
        ...(route.advmss !== undefined ? { advmss: route.advmss } : {}),
      });
    } catch (e) {
      if (isNetlinkError(e, 'EEXIST')) continue; // the same route twice in the config
      const via = route.gateway ? ` via ${route.gateway}` : '';
      throw new CniError(ErrorCode.Internal, `failed to add route ${route.dst}${via} in the container: ${(e as Error).message}`, undefined, { cause: e });
    }
  }
}

/** With DAD on, waits (at most 5 s) until no address is tentative; a duplicate is an error. */
async function waitForDad(ctr: NetlinkSocket, index: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const addrs = listAddresses(ctr, { index, family: 6 });
    const failed = addrs.find((a) => a.dadFailed);
    if (failed) throw new CniError(ErrorCode.Internal, `IPv6 duplicate address detection failed for ${failed.address}`, 'another host on the network uses this address');
    if (!addrs.some((a) => a.tentative)) return;
    const link = getLink(ctr, index);
    if (link && link.operstate !== 'up' && link.operstate !== 'unknown') return; // DAD never finishes on a down link
    await new Promise((r) => setTimeout(r, 50));
  }
}
