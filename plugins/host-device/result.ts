import type { Dns, Interface, Result } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';
import type { AddressPlan } from './addresses.ts';

/**
 * The ADD's result: the device in the pod (its MAC unless DPDK mode moved nothing), and with
 * IPAM its addresses, IPAM's routes and the DNS settings (the configuration's when it sets
 * any, else IPAM's).
 */
export function buildResult(ifname: string, sandbox: string, device: Link | undefined, ipam?: { addresses: AddressPlan; result: Result; dns: Dns | undefined }): Result {
  const iface: Interface = { name: device?.name ?? ifname, ...(device?.mac ? { mac: device.mac } : {}), sandbox };
  const result: Result = { cniVersion: '1.1.0', interfaces: [iface] };
  if (!ipam) return result;
  result.ips = ipam.addresses.ips;
  if (ipam.addresses.routes.length) result.routes = ipam.addresses.routes;
  const dns = ipam.dns ?? ipam.result.dns;
  if (dns) result.dns = dns;
  return result;
}
