import type { Interface, Result } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';
import type { AttachedLinks } from './apply.ts';
import type { AddressPlan, PtpPlan } from './plan.ts';

function iface(link: Link, sandbox?: string): Interface {
  return { name: link.name, ...(link.mac ? { mac: link.mac } : {}), ...(sandbox ? { sandbox } : {}) };
}

/**
 * The ADD's result: interfaces in the reference's order (host veth, container), every address
 * on the container interface, IPAM's routes, and the DNS settings (the config's override when
 * it sets any field, else IPAM's).
 */
export function buildResult(plan: PtpPlan, links: AttachedLinks, sandbox: string, addresses: AddressPlan, ipam: Result): Result {
  const result: Result = {
    cniVersion: '1.1.0',
    interfaces: [iface(links.hostVeth), iface(links.container, sandbox)],
    ips: addresses.ips,
  };
  if (addresses.routes.length) result.routes = addresses.routes;
  const dns = plan.dns ?? ipam.dns;
  if (dns) result.dns = dns;
  return result;
}
