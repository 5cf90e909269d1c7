import { CniError, ErrorCode, type IpConfig, type Result, type Route } from '../../lib/cni/index.ts';
import { type Cidr, type Family, ipToString, networkAddress, nextIp, parseCidr, parseIp } from '../../lib/addr/index.ts';
import type { MasqAddress } from '../../lib/firewall/index.ts';
import type { BridgeConfig } from './config.ts';

/** The index of the container interface in the result: [bridge, host veth, container]. */
export const CONTAINER_IF_INDEX = 2;

/** A gateway address to put on the bridge. */
export interface GatewayPlan {
  readonly family: Family;
  /** e.g. '10.1.0.1' */
  readonly ip: string;
  readonly prefixLength: number;
}

/** What the IPAM result turns into: addresses and routes for the container, gateways for the bridge. */
export interface L3Plan {
  readonly ips: IpConfig[];
  readonly routes: Route[];
  readonly gateways: GatewayPlan[];
  readonly masq: MasqAddress[];
  readonly hasV6: boolean;
}

function familyOf(address: string): Family {
  return address.includes(':') ? 6 : 4;
}

/** The prefix with host bits cleared, as text: `10.1.0.5/16` gives `10.1.0.0/16`. */
export function subnetOf(cidr: Cidr): string {
  return `${ipToString(networkAddress(cidr))}/${cidr.prefix}`;
}

/** What the masquerade backends need of one container address (ADD, CHECK and DEL alike). */
export function masqAddress(cidr: Cidr): MasqAddress {
  return { ip: ipToString(cidr.ip), prefixLength: cidr.prefix, subnet: subnetOf(cidr) };
}

/**
 * Turns an IPAM result into the container's addresses and routes and the bridge's gateways:
 * every address is attached to the container interface; with isGateway an address without a
 * gateway gets the subnet's first address; with isDefaultGateway a default route via the
 * gateway is added for each family that lacks one with a gateway (the reference's rules).
 * @throws CniError when IPAM returned no address.
 */
export function planL3(cfg: BridgeConfig, ipam: Result): L3Plan {
  const source = ipam.ips ?? [];
  if (source.length === 0) {
    throw new CniError(ErrorCode.Internal, `IPAM plugin "${cfg.ipamType}" returned no IP addresses`, 'check its ranges; the bridge needs at least one address for an L3 network');
  }
  const ips: IpConfig[] = [];
  const gateways: GatewayPlan[] = [];
  const masq: MasqAddress[] = [];
  const seenGateway = new Set<string>();
  for (const ip of source) {
    const cidr = parseCidr(ip.address);
    let gateway = ip.gateway;
    if (!gateway && cfg.isGateway) gateway = ipToString(nextIp(networkAddress(cidr)));
    const out: IpConfig = { address: ip.address, interface: CONTAINER_IF_INDEX };
    if (gateway) out.gateway = gateway;
    ips.push(out);
    masq.push(masqAddress(cidr));
    if (cfg.isGateway && gateway) {
      const gw = ipToString(parseIp(gateway)); // canonical text: "fd00::0001" and "fd00::1" are one gateway
      const key = `${gw}/${cidr.prefix}`;
      if (!seenGateway.has(key)) {
        seenGateway.add(key);
        gateways.push({ family: familyOf(ip.address), ip: gw, prefixLength: cidr.prefix });
      }
    }
  }
  const routes: Route[] = (ipam.routes ?? []).map((r) => ({ ...r }));
  if (cfg.isDefaultGateway) {
    for (const family of [4, 6] as const) {
      const gw = ips.find((i) => familyOf(i.address) === family && i.gateway)?.gateway;
      if (!gw) continue;
      const dst = family === 4 ? '0.0.0.0/0' : '::/0';
      const hasDefault = routes.some((r) => r.gw && familyOf(r.gw) === family && isDefaultDst(r.dst, family));
      if (!hasDefault) routes.push({ dst, gw });
    }
  }
  return { ips, routes, gateways, masq, hasV6: ips.some((i) => familyOf(i.address) === 6) };
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

/** `veth` + 8 random hex characters, as the reference names host-side ports. */
export function hostVethName(random: () => string): string {
  return `veth${random().slice(0, 8)}`;
}
