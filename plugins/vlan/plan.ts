import { parseCidr, ipToString } from '../../lib/addr/index.ts';
import { CniError, type Dns, ErrorCode, type Interface, type IpConfig, type Result, type Route } from '../../lib/cni/index.ts';
import type { ContainerVlanSettings, InterfaceAddress, InterfaceRoute, InterfaceSettings } from '../../lib/link/index.ts';
import type { VlanConfig } from './config.ts';

/** The index of the pod's interface in the result: it is the only one. */
export const VLAN_IF_INDEX = 0;

/** What an ADD will do, decided from the config alone before anything changes. */
export interface VlanPlan {
  readonly master: string;
  /** Where the master is looked up and the device made. */
  readonly masterInContainer: boolean;
  readonly vlan: ContainerVlanSettings;
  readonly ipamType: string;
  readonly dns: Dns | undefined;
}

/** What the IPAM result turns into on the pod's interface. */
export interface AddressPlan {
  readonly ips: IpConfig[];
  readonly routes: Route[];
  readonly iface: InterfaceSettings;
}

/** The plan of one attachment, from the parsed config. */
export function planVlan(cfg: VlanConfig, ifname: string): VlanPlan {
  return {
    master: cfg.master,
    masterInContainer: cfg.linkInContainer,
    vlan: { ifname, vlanId: cfg.vlanId, ...(cfg.mtu ? { mtu: cfg.mtu } : {}) },
    ipamType: cfg.ipamType,
    dns: cfg.dns,
  };
}

/** What the master looks like, as far as the plan cares. */
export interface MasterFacts {
  readonly name: string;
  readonly mtu: number;
}

/**
 * Why the master cannot carry this VLAN device, or undefined: it must exist where the config
 * says, and the device's MTU cannot exceed it (both are configuration errors, found before
 * anything changes).
 */
export function masterProblem(plan: VlanPlan, master: MasterFacts | undefined): CniError | undefined {
  const where = plan.masterInContainer ? 'the pod\'s network namespace (linkInContainer)' : 'the node\'s network namespace';
  if (!master) return new CniError(ErrorCode.InvalidConfig, `invalid master ${JSON.stringify(plan.master)}: no such interface in ${where}`, 'name an existing interface to make the VLAN on');
  const mtu = plan.vlan.mtu;
  if (mtu !== undefined && mtu > master.mtu) {
    return new CniError(ErrorCode.InvalidConfig, `invalid mtu ${mtu}: must be at most the master's MTU (${master.name}: ${master.mtu})`, 'a VLAN device cannot carry bigger frames than its master: lower mtu, or omit it');
  }
  return undefined;
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/**
 * Turns an IPAM result into the pod interface's configuration: every address on it, IPAM's
 * routes with their gateway defaulting to the first gateway of their family (the reference's rule).
 * @throws CniError when IPAM returned no address.
 */
export function planAddresses(ipamType: string, ipam: Result): AddressPlan {
  const source = ipam.ips ?? [];
  if (source.length === 0) throw new CniError(ErrorCode.Internal, `IPAM plugin "${ipamType}" returned missing IP config`, 'check its ranges: vlan needs at least one address');
  const ips: IpConfig[] = source.map((ip) => ({ address: ip.address, ...(ip.gateway ? { gateway: ip.gateway } : {}), interface: VLAN_IF_INDEX }));
  const addresses: InterfaceAddress[] = source.map((ip) => {
    const c = parseCidr(ip.address);
    return { ip: ipToString(c.ip), prefixLength: c.prefix };
  });
  const routes: Route[] = (ipam.routes ?? []).map((r) => ({ ...r }));
  return {
    ips,
    routes,
    iface: { addresses, routes: routes.map((r) => interfaceRoute(r, ips)), ipv6: ips.some((i) => familyOf(i.address) === 6), dad: false },
  };
}

function interfaceRoute(r: Route, ips: readonly IpConfig[]): InterfaceRoute {
  const family = familyOf(r.dst);
  const gateway = r.gw ?? ips.find((i) => familyOf(i.address) === family)?.gateway;
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

/** The ADD's result: the one interface, its addresses and IPAM's routes, and the DNS settings (the config's when it sets any field, else IPAM's). */
export function buildResult(plan: VlanPlan, iface: Interface, addresses: AddressPlan, ipam: Result): Result {
  const result: Result = { cniVersion: '1.1.0', interfaces: [iface], ips: addresses.ips };
  if (addresses.routes.length) result.routes = addresses.routes;
  const dns = plan.dns ?? ipam.dns;
  if (dns) result.dns = dns;
  return result;
}
