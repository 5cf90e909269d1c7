import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import {
  type Link,
  addPeerOnHost,
  configureInterface,
  createContainerVeth,
  deleteLink,
  enableForwarding,
  getLink,
  hostLinkLocalReadyAtOnce,
  routeSubnetViaPeer,
  setLink,
  trySysctl,
} from '../../lib/link/index.ts';
import type { UndoStack } from '../../lib/undo.ts';
import type { Namespaces } from '../../lib/netns/index.ts';
import type { AddressPlan, PtpPlan } from './plan.ts';

/** The two ends of the attachment's veth pair. */
export interface AttachedLinks {
  readonly hostVeth: Link;
  readonly container: Link;
}

/**
 * The veth pair, made from inside the container with its host end born in the host (undone
 * by deleting it, which takes every address and route of both ends along). The host end
 * comes up at once and ignores router advertisements: its routes are ours.
 */
export function applyVeth(n: Namespaces, plan: PtpPlan, undo: UndoStack): AttachedLinks {
  const { link: container, hostName } = createContainerVeth(n.ctr, n.hostNs, plan.veth);
  undo.push('delete the veth pair', () => deleteLink(n.ctr, container.index));
  const hostVeth = getLink(n.host, hostName);
  if (!hostVeth) throw new CniError(ErrorCode.Internal, `host end ${hostName} of the new veth pair is missing`);
  // this process runs in the host netns, so the sysctls are the host end's (a kernel without IPv6 has none);
  // both before the link comes up, so that its fe80:: address is born usable: the node forwards
  // every packet of the pod through this link, and a tentative one stalls the first (issue 20)
  trySysctl(`net/ipv6/conf/${hostName}/accept_ra`, '0');
  hostLinkLocalReadyAtOnce(hostName);
  setLink(n.host, hostVeth.index, { up: true });
  return { hostVeth, container };
}

/**
 * The L3 part: forwarding on the host for each family, the container's addresses and IPAM's
 * routes, its subnets re-routed through the peers, then the peers and the host routes on the
 * host end. Nothing here needs its own undo: it all goes with the veth pair (forwarding stays,
 * as it is the node's, as the reference leaves it).
 */
export async function applyAddresses(n: Namespaces, links: AttachedLinks, a: AddressPlan): Promise<void> {
  enableForwarding(a.families);
  await configureInterface(n.ns, n.ctr, links.container, a.iface);
  for (const p of a.peers) routeSubnetViaPeer(n.ctr, links.container.index, p);
  for (const p of a.peers) addPeerOnHost(n.host, links.hostVeth.index, p);
}
