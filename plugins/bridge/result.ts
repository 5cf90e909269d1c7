import type { Interface, Result } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';
import type { L3Plan } from './l3-plan.ts';
import type { BridgePlan } from './plan.ts';

/** What the kernel says of the attachment's links once the ADD is done. */
export interface FinalLinks {
  readonly bridge: Link;
  readonly hostPort: Link;
  readonly container: Link;
  readonly vlanGateway: Link | undefined;
}

function iface(link: Link, sandbox?: string): Interface {
  return { name: link.name, ...(link.mac ? { mac: link.mac } : {}), ...(sandbox ? { sandbox } : {}) };
}

/**
 * The ADD's result: interfaces in the reference's order (bridge, host veth, container, then
 * the VLAN gateway if any), the L3 plan's addresses and routes, and the DNS settings (the
 * config's override, else IPAM's).
 */
export function buildResult(plan: BridgePlan, links: FinalLinks, sandbox: string, l3?: { plan: L3Plan; ipam: Result }): Result {
  const result: Result = { cniVersion: '1.1.0' };
  if (l3) {
    result.ips = l3.plan.ips;
    if (l3.plan.routes.length) result.routes = l3.plan.routes;
    if (l3.ipam.dns) result.dns = l3.ipam.dns;
  }
  result.interfaces = [iface(links.bridge), iface(links.hostPort), iface(links.container, sandbox)];
  if (links.vlanGateway) result.interfaces.push(iface(links.vlanGateway));
  if (plan.dns) result.dns = plan.dns;
  return result;
}
