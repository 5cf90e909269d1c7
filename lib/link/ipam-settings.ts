import { parseCidr, ipToString } from '../addr/index.ts';
import type { IpConfig, Route } from '../cni/index.ts';
import type { InterfaceRoute, InterfaceSettings } from './interface.ts';

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/**
 * The L3 settings of a container interface that carries every address of an IPAM result: the
 * addresses, and IPAM's routes with a missing gateway taken from the first address of the
 * route's family that has one (the reference's rule); no gateway at all makes a device route.
 * DAD is skipped, as for every interface the suite makes.
 * @throws {AddrError} for an address that is not a CIDR.
 */
export function interfaceSettingsFrom(ips: readonly IpConfig[], routes: readonly Route[]): InterfaceSettings {
  const addresses = ips.map((ip) => {
    const c = parseCidr(ip.address);
    return { ip: ipToString(c.ip), prefixLength: c.prefix };
  });
  return {
    addresses,
    routes: routes.map((r) => routeVia(r, ips)),
    ipv6: ips.some((ip) => familyOf(ip.address) === 6),
    dad: false,
  };
}

function routeVia(r: Route, ips: readonly IpConfig[]): InterfaceRoute {
  const family = familyOf(r.dst);
  const gateway = r.gw ?? ips.find((i) => familyOf(i.address) === family && i.gateway)?.gateway;
  return {
    dst: r.dst,
    ...(gateway ? { gateway } : {}),
    ...(r.priority !== undefined ? { priority: r.priority } : {}),
    ...(r.table !== undefined ? { table: r.table } : {}),
    ...(r.scope !== undefined ? { scope: r.scope } : {}),
    ...(r.mtu !== undefined ? { mtu: r.mtu } : {}),
    ...(r.advmss !== undefined ? { advmss: r.advmss } : {}),
  };
}
