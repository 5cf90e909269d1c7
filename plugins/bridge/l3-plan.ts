import { type Family, ipToString, networkAddress, nextIp, parseCidr, parseIp } from '../../lib/addr/index.ts';
import { CniError, ErrorCode, type IpConfig, type NetConf, type Result, type Route, parsePrevResult } from '../../lib/cni/index.ts';
import type { MasqAddress } from '../../lib/firewall/index.ts';
import type { Gateway, InterfaceRoute, InterfaceSettings } from '../../lib/link/index.ts';

/** The index of the container interface in the result: [bridge, host veth, container]. */
export const CONTAINER_IF_INDEX = 2;

/** What the L3 plan takes from the config. */
export interface L3Options {
  /** For the error when IPAM gives nothing. */
  readonly ipamType: string;
  readonly isGateway: boolean;
  readonly isDefaultGateway: boolean;
  /** Run IPv6 duplicate address detection. */
  readonly dad: boolean;
  /** Replace a conflicting address on the bridge. */
  readonly forceAddress: boolean;
}

/** What the IPAM result turns into. */
export interface L3Plan {
  /** The result's addresses and routes. */
  readonly ips: IpConfig[];
  readonly routes: Route[];
  /** The container interface's addresses and routes, gateways resolved. */
  readonly iface: InterfaceSettings;
  /** Gateway addresses for the bridge (or the VLAN's gateway interface). */
  readonly gateways: Gateway[];
  readonly forceAddress: boolean;
  /** The container's addresses with their prefixes, for masquerading. */
  readonly masq: MasqAddress[];
}

function familyOf(address: string): Family {
  return address.includes(':') ? 6 : 4;
}


/**
 * Turns an IPAM result into the container's addresses and routes and the bridge's gateways:
 * every address is attached to the container interface; with isGateway an address without a
 * gateway gets the subnet's first address; with isDefaultGateway a default route via the
 * gateway is added for each family that lacks one with a gateway (the reference's rules).
 * @throws CniError when IPAM returned no address.
 */
export function planL3(o: L3Options, ipam: Result): L3Plan {
  const source = ipam.ips ?? [];
  if (source.length === 0) {
    throw new CniError(ErrorCode.Internal, `IPAM plugin "${o.ipamType}" returned no IP addresses`, 'check its ranges; the bridge needs at least one address for an L3 network');
  }
  const ips: IpConfig[] = [];
  const gateways: Gateway[] = [];
  const masq: MasqAddress[] = [];
  const seenGateway = new Set<string>();
  for (const ip of source) {
    const cidr = parseCidr(ip.address);
    let gateway = ip.gateway;
    if (!gateway && o.isGateway) gateway = ipToString(nextIp(networkAddress(cidr)));
    const out: IpConfig = { address: ip.address, interface: CONTAINER_IF_INDEX };
    if (gateway) out.gateway = gateway;
    ips.push(out);
    masq.push(cidr);
    if (o.isGateway && gateway) {
      const gw = ipToString(parseIp(gateway)); // canonical text: "fd00::0001" and "fd00::1" are one gateway
      const key = `${gw}/${cidr.prefix}`;
      if (!seenGateway.has(key)) {
        seenGateway.add(key);
        gateways.push({ family: familyOf(ip.address), ip: gw, prefixLength: cidr.prefix });
      }
    }
  }
  const routes: Route[] = (ipam.routes ?? []).map((r) => ({ ...r }));
  if (o.isDefaultGateway) {
    for (const family of [4, 6] as const) {
      const gw = ips.find((i) => familyOf(i.address) === family && i.gateway)?.gateway;
      if (!gw) continue;
      const dst = family === 4 ? '0.0.0.0/0' : '::/0';
      const hasDefault = routes.some((r) => r.gw && familyOf(r.gw) === family && isDefaultDst(r.dst, family));
      if (!hasDefault) routes.push({ dst, gw });
    }
  }
  const ipv6 = ips.some((i) => familyOf(i.address) === 6);
  const iface: InterfaceSettings = {
    addresses: ips.map((i) => ({ ip: i.address.slice(0, i.address.indexOf('/')), prefixLength: parseCidr(i.address).prefix })),
    routes: routes.map((r) => interfaceRoute(r, ips)),
    ipv6,
    dad: o.dad,
  };
  return { ips, routes, iface, gateways, forceAddress: o.forceAddress, masq };
}

function isDefaultDst(dst: string, family: Family): boolean {
  try {
    const c = parseCidr(dst);
    return c.prefix === 0 && c.ip.family === family;
  } catch {
    return false;
  }
}

/** The gateway for a route without one: the first gateway of the same family (the reference's rule). */
export function routeGateway(route: Route, ips: readonly IpConfig[]): string | undefined {
  if (route.gw) return route.gw;
  const family = familyOf(route.dst);
  return ips.find((i) => familyOf(i.address) === family && i.gateway)?.gateway;
}

function interfaceRoute(r: Route, ips: readonly IpConfig[]): InterfaceRoute {
  const gateway = routeGateway(r, ips);
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
