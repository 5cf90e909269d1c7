import { CniError, ErrorCode, type IpConfig, type Result, type Route } from '../../lib/cni/index.ts';
import { type InterfaceSettings, interfaceSettingsFrom } from '../../lib/link/index.ts';

/** The index of the dummy interface in the result: it is the only one. */
export const DUMMY_IF_INDEX = 0;

/** What the IPAM result turns into on the dummy interface. */
export interface DummyAddressPlan {
  readonly ips: IpConfig[];
  readonly routes: Route[];
  readonly iface: InterfaceSettings;
}

/**
 * Every address of the IPAM result goes on the dummy interface, with IPAM's routes (a missing
 * gateway is the first of the route's family, as the reference).
 * @throws CniError when IPAM returned no address.
 */
export function planAddresses(ipamType: string, ipam: Result): DummyAddressPlan {
  const source = ipam.ips ?? [];
  if (source.length === 0) {
    throw new CniError(ErrorCode.Internal, `IPAM plugin "${ipamType}" returned missing IP config`, 'check its configuration: a dummy interface needs at least one address');
  }
  const ips = source.map((ip) => ({ address: ip.address, ...(ip.gateway ? { gateway: ip.gateway } : {}), interface: DUMMY_IF_INDEX }));
  const routes = (ipam.routes ?? []).map((r) => ({ ...r }));
  return { ips, routes, iface: interfaceSettingsFrom(ips, routes) };
}

/** The ADD's result: the dummy interface, its addresses, IPAM's routes and IPAM's DNS (the reference keeps them). */
export function buildResult(iface: { name: string; mac: string | undefined; sandbox: string }, addresses: DummyAddressPlan, ipam: Result): Result {
  const result: Result = {
    cniVersion: '1.1.0',
    interfaces: [{ name: iface.name, ...(iface.mac ? { mac: iface.mac } : {}), sandbox: iface.sandbox }],
    ips: addresses.ips,
  };
  if (addresses.routes.length) result.routes = addresses.routes;
  if (ipam.dns) result.dns = ipam.dns;
  return result;
}
