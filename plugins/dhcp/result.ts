import type { Result, Route } from '../../lib/cni/index.ts';
import type { LeaseView } from './protocol.ts';

/** RT_SCOPE_LINK: a classless route with next hop 0.0.0.0 is on-link (as Go returns it). */
const SCOPE_LINK = 253;

/**
 * The IPAM result of a lease: the address with the first router as its gateway, the routes
 * (option 121, else option 33 and a default via the router) with `priority` as their metric
 * when set, and the DNS servers and domain (Go's daemon drops DNS; an interface plugin may
 * still override it).
 */
export function resultOfLease(lease: LeaseView, priority: number): Result {
  const routes: Route[] = lease.routes.map((r) => {
    const route: Route = r.gw === '0.0.0.0' ? { dst: r.dst, scope: SCOPE_LINK } : { dst: r.dst, gw: r.gw };
    if (priority) route.priority = priority;
    return route;
  });
  const dns: Result['dns'] = {};
  if (lease.dnsServers.length) dns.nameservers = [...lease.dnsServers];
  if (lease.domain) dns.domain = lease.domain;
  return {
    cniVersion: '1.1.0',
    ips: [{ address: `${lease.address}/${lease.prefix}`, ...(lease.router ? { gateway: lease.router } : {}) }],
    ...(routes.length ? { routes } : {}),
    dns,
  };
}
