import type { Result } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';
import type { AddressPlan, MacvlanPlan } from './plan.ts';

/**
 * The ADD's result: the pod's interface, IPAM's addresses and routes, and the configuration's
 * DNS (IPAM's DNS is not passed on, as in the reference).
 */
export function buildResult(plan: MacvlanPlan, link: Link, sandbox: string, addresses: AddressPlan | undefined): Result {
  const result: Result = {
    cniVersion: '1.1.0',
    interfaces: [{ name: link.name, ...(link.mac ? { mac: link.mac } : {}), sandbox }],
  };
  if (addresses) {
    result.ips = addresses.ips;
    if (addresses.routes.length) result.routes = addresses.routes;
  }
  if (plan.dns) result.dns = plan.dns;
  return result;
}
