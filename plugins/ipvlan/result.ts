import type { Result } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';
import type { AddressPlan, IpvlanPlan } from './plan.ts';

/**
 * The ADD's result: the pod's interface alone (a chained result's interfaces are replaced, as
 * in the reference), the addresses and routes, and the configuration's DNS.
 */
export function buildResult(plan: IpvlanPlan, link: Link, sandbox: string, addresses: AddressPlan): Result {
  const result: Result = {
    cniVersion: '1.1.0',
    interfaces: [{ name: link.name, ...(link.mac ? { mac: link.mac } : {}), sandbox }],
    ips: addresses.ips,
  };
  if (addresses.routes.length) result.routes = addresses.routes;
  if (plan.dns) result.dns = plan.dns;
  return result;
}
