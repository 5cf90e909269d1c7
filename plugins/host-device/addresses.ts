import { parseCidr, ipToString } from '../../lib/addr/index.ts';
import { CniError, ErrorCode, type IpConfig, type Result, type Route } from '../../lib/cni/index.ts';
import type { InterfaceRoute, InterfaceSettings } from '../../lib/link/index.ts';

/** The index of the moved device in the result's interfaces: it is the only one. */
export const DEVICE_IF_INDEX = 0;

/** What IPAM's result turns into on the moved device. */
export interface AddressPlan {
  /** The result's addresses, all on the device. */
  readonly ips: IpConfig[];
  /** IPAM's routes, unchanged. */
  readonly routes: Route[];
  /** The device's addresses and routes, gateways resolved. */
  readonly iface: InterfaceSettings;
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/**
 * IPAM's addresses and routes for the device: each address on it, each route through it with
 * the first gateway of its family when it names none (the reference's rule).
 * @throws CniError when IPAM returned no address.
 */
export function planAddresses(ipamType: string, ipam: Result): AddressPlan {
  const source = ipam.ips ?? [];
  if (source.length === 0) throw new CniError(ErrorCode.Internal, `IPAM plugin "${ipamType}" returned missing IP config`, 'check its ranges: an IPAM plugin must give at least one address');
  const ips: IpConfig[] = source.map((ip) => ({ ...ip, interface: DEVICE_IF_INDEX }));
  const routes: Route[] = (ipam.routes ?? []).map((r) => ({ ...r }));
  const addresses = ips.map((ip) => {
    const c = parseCidr(ip.address);
    return { ip: ipToString(c.ip), prefixLength: c.prefix };
  });
  const iface: InterfaceSettings = {
    addresses,
    routes: routes.map((r) => interfaceRoute(r, ips)),
    ipv6: ips.some((ip) => familyOf(ip.address) === 6),
    dad: false,
  };
  return { ips, routes, iface };
}

function interfaceRoute(r: Route, ips: readonly IpConfig[]): InterfaceRoute {
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
