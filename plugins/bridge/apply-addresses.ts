import { type Link, configureInterface, enableForwarding, ensureGateway, ensureVlanGateway } from '../../lib/link/index.ts';
import type { AttachedLinks } from './apply-links.ts';
import type { L3Plan } from './l3-plan.ts';
import type { Namespaces } from '../../lib/netns/index.ts';
import type { BridgePlan } from './plan.ts';

/**
 * The L3 part of an ADD: the container's addresses and routes, then the gateway addresses on
 * the bridge (or on the VLAN's gateway interface, shared and never undone) and forwarding.
 * Nothing here needs its own undo: the addresses go with the veth pair, and the gateways stay
 * with the bridge. Returns the VLAN gateway interface when one holds the gateways.
 */
export async function applyAddresses(n: Namespaces, links: AttachedLinks, l3: L3Plan, plan: BridgePlan): Promise<Link | undefined> {
  await configureInterface(n.ns, n.ctr, links.container, l3.iface);
  if (l3.gateways.length === 0) return undefined;
  const holder = plan.vlanGateway ? ensureVlanGateway(n.host, links.bridge, plan.vlanGateway) : links.bridge;
  for (const gw of l3.gateways) ensureGateway(n.host, holder, gw, l3.forceAddress);
  enableForwarding(l3.gateways.map((g) => g.family));
  return plan.vlanGateway ? holder : undefined;
}
