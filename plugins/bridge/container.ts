import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import { parseCidr } from '../../lib/addr/index.ts';
import { type Link, type NetlinkSocket, addAddress, addRoute, createVeth, getLink, isNetlinkError, listAddresses, setLink } from '../../lib/netlink/index.ts';
import { type Netns, withNetns, writeSysctl } from '../../lib/netns/index.ts';
import type { BridgeConfig } from './config.ts';
import { type L3Plan, hostVethName, routeGateway } from './plan.ts';
import { randomHex } from './random.ts';

/**
 * Creates the veth pair from inside the container: CNI_IFNAME there, and the host end born
 * directly in the host namespace as `veth` + 8 random hex characters (moving a link between
 * namespaces costs 10-50 ms). A host name already taken is retried with another, as the
 * reference does. Returns the container end and the host end's name.
 * @throws CniError when CNI_IFNAME already exists in the container.
 */
export function createContainerVeth(
  ctr: NetlinkSocket,
  hostNs: Netns,
  opts: { ifname: string; mtu: number | undefined; mac: string | undefined },
): { link: Link; hostName: string } {
  for (let attempt = 1; ; attempt++) {
    const hostName = hostVethName(() => randomHex(8));
    try {
      const link = createVeth(ctr, {
        name: opts.ifname,
        ...(opts.mtu ? { mtu: opts.mtu } : {}),
        ...(opts.mac ? { mac: opts.mac } : {}),
        peer: { name: hostName, netnsFd: hostNs.fd },
      });
      return { link, hostName };
    } catch (e) {
      if (!isNetlinkError(e, 'EEXIST')) throw e;
      if (getLink(ctr, opts.ifname)) throw ifnameTaken(opts.ifname);
      if (attempt === 10) throw e; // ten random names taken in a row is not chance
    }
  }
}

/** The error for an ADD whose CNI_IFNAME exists already (the reference's wording). */
export function ifnameTaken(ifname: string): CniError {
  return new CniError(ErrorCode.Internal, `container veth name provided (${ifname}) already exists`, 'the container already has an interface of that name: was ADD run twice without DEL?');
}

function trySysctl(name: string, value: string, required: boolean): void {
  try {
    writeSysctl(name, value);
  } catch (e) {
    if (required) throw e;
  }
}

/**
 * Sysctls inside the container (synchronous, on this thread, inside the namespace): DAD off
 * unless enabled (waiting for DAD costs 1-2 s per pod), arp_notify so neighbours learn the
 * new MAC at once, and IPv6 switched on for the interface and lo when it gets a v6 address.
 */
function containerSysctls(ns: Netns, ifname: string, plan: L3Plan, cfg: BridgeConfig): void {
  withNetns(ns, () => {
    trySysctl(`net/ipv4/conf/${ifname}/arp_notify`, '1', false);
    if (!plan.hasV6) return;
    trySysctl('net/ipv6/conf/lo/disable_ipv6', '0', false);
    trySysctl(`net/ipv6/conf/${ifname}/disable_ipv6`, '0', true);
    trySysctl(`net/ipv6/conf/${ifname}/keep_addr_on_down`, '1', false);
    if (cfg.enableDad) {
      trySysctl(`net/ipv6/conf/${ifname}/enhanced_dad`, '1', false);
      trySysctl(`net/ipv6/conf/${ifname}/accept_dad`, '1', false);
    } else {
      trySysctl(`net/ipv6/conf/${ifname}/accept_dad`, '0', false);
    }
  });
}

/** Addresses, link up, routes: everything the container interface needs for L3. */
export async function configureContainerL3(ns: Netns, ctr: NetlinkSocket, link: Link, plan: L3Plan, cfg: BridgeConfig): Promise<void> {
  containerSysctls(ns, link.name, plan, cfg);
  for (const ip of plan.ips) {
    const c = parseCidr(ip.address);
    addAddress(ctr, link.index, { address: ip.address.slice(0, ip.address.indexOf('/')), prefixLen: c.prefix, noDad: !cfg.enableDad });
  }
  setLink(ctr, link.index, { up: true });
  if (cfg.enableDad && plan.hasV6) await waitForDad(ctr, link.index);
  for (const route of plan.routes) {
    const gateway = routeGateway(route, plan.ips);
    try {
      addRoute(ctr, {
        dst: route.dst,
        oif: link.index,
        ...(gateway ? { gateway } : {}),
        ...(route.priority !== undefined ? { priority: route.priority } : {}),
        ...(route.table !== undefined ? { table: route.table } : {}),
        ...(route.scope !== undefined ? { scope: route.scope } : {}),
        ...(route.mtu !== undefined ? { mtu: route.mtu } : {}),
        ...(route.advmss !== undefined ? { advmss: route.advmss } : {}),
      });
    } catch (e) {
      if (isNetlinkError(e) && e.code === 'EEXIST') continue; // the same route twice in the config
      throw new CniError(ErrorCode.Internal, `failed to add route ${route.dst}${gateway ? ` via ${gateway}` : ''} in the container: ${(e as Error).message}`, undefined, { cause: e });
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
