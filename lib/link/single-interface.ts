import { ipToString, parseCidr, parseIp, subnetOf } from '../addr/index.ts';
import type { IpConfig, Result, Route as ResultRoute } from '../cni/index.ts';
import type { Address, Route } from '../netlink/index.ts';
import type { InterfaceRoute, InterfaceSettings } from './interface.ts';

// A result whose addresses all belong to one interface in the pod (macvlan, ipvlan, later
// vlan, dummy): what the kernel is given for it, and what CHECK compares the kernel with.

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** The result's addresses, each marked as on interface `index` of the result. */
export function addressesOn(ips: readonly IpConfig[], index: number): IpConfig[] {
  return ips.map((ip) => ({ ...ip, interface: index }));
}

/**
 * The interface's L3 settings from a result: every address on it, and every route through
 * it, a route without a gateway taking the first gateway of its family (the reference's rule;
 * none: a link route).
 */
export function singleInterfaceSettings(result: Pick<Result, 'ips' | 'routes'>): InterfaceSettings {
  const ips = result.ips ?? [];
  const addresses = ips.map((ip) => {
    const c = parseCidr(ip.address);
    return { ip: ipToString(c.ip), prefixLength: c.prefix };
  });
  const routes = (result.routes ?? []).map((r): InterfaceRoute => {
    const gateway = r.gw ?? ips.find((i) => i.gateway && familyOf(i.address) === familyOf(r.dst))?.gateway;
    return {
      dst: r.dst,
      ...(gateway ? { gateway } : {}),
      ...(r.priority !== undefined ? { priority: r.priority } : {}),
      ...(r.table !== undefined ? { table: r.table } : {}),
      ...(r.scope !== undefined ? { scope: r.scope } : {}),
      ...(r.mtu !== undefined ? { mtu: r.mtu } : {}),
      ...(r.advmss !== undefined ? { advmss: r.advmss } : {}),
    };
  });
  return { addresses, routes, ipv6: ips.some((ip) => familyOf(ip.address) === 6), dad: false };
}

/**
 * The first of the result's addresses missing on the interface, or of its routes missing in
 * the namespace (destination, and gateway when the result names one), as a message; undefined
 * when all are there. `addresses` are the interface's, `routes` the namespace's (every table).
 */
export function firstL3Mismatch(ifname: string, result: Pick<Result, 'ips' | 'routes'>, addresses: readonly Address[], routes: readonly Route[]): string | undefined {
  for (const ip of result.ips ?? []) {
    const c = parseCidr(ip.address);
    const addr = ipToString(c.ip);
    if (!addresses.some((a) => a.address === addr && a.prefixLen === c.prefix)) return `address ${ip.address} is missing on ${ifname}`;
  }
  for (const r of result.routes ?? ([] as ResultRoute[])) {
    const dst = subnetOf(parseCidr(r.dst));
    const gw = r.gw ? ipToString(parseIp(r.gw)) : undefined;
    if (!routes.some((x) => x.dst === dst && (!gw || x.gateway === gw))) return `route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing`;
  }
  return undefined;
}
