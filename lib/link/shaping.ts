import {
  type Link,
  type NetlinkSocket,
  type Qdisc,
  type TbfParams,
  TC_H_INGRESS,
  TC_H_ROOT,
  addQdisc,
  addRedirectFilter,
  createIfb,
  deleteQdisc,
  getLink,
  listQdiscs,
  tbfOptions,
  tcHandle,
} from '../netlink/index.ts';

// Rate limiting of a link, as the bandwidth plugin sets it up: a token bucket (tbf) as the
// link's root qdisc shapes what the link sends; what it receives is redirected by an ingress
// qdisc and a filter to an ifb device, whose own root tbf shapes it.

/** The handle of the root tbf ("1:"), as the Go plugin gives it. */
export const TBF_HANDLE = tcHandle(1, 0);
/** The handle of the ingress qdisc ("ffff:"). */
export const INGRESS_HANDLE = tcHandle(0xffff, 0);

/**
 * Puts a tbf at the link's root. An existing root qdisc of anyone's is an error, not replaced.
 * @throws {NetlinkError} EEXIST when the link already has a root qdisc of its own.
 */
export function addRootTbf(sock: NetlinkSocket, ifindex: number, params: TbfParams): void {
  addQdisc(sock, { ifindex, handle: TBF_HANDLE, parent: TC_H_ROOT, kind: 'tbf', options: tbfOptions(params) });
}

/**
 * Redirects everything `ifindex` receives to `toIndex`'s egress: an ingress qdisc and a u32
 * filter matching every packet, priority 1 (as the Go plugin). All or nothing.
 * @throws {NetlinkError} EEXIST when the link has an ingress (or clsact) qdisc already.
 */
export function addIngressRedirect(sock: NetlinkSocket, ifindex: number, toIndex: number): void {
  addQdisc(sock, { ifindex, handle: INGRESS_HANDLE, parent: TC_H_INGRESS, kind: 'ingress' });
  try {
    addRedirectFilter(sock, { ifindex, parent: INGRESS_HANDLE, priority: 1, redirectTo: toIndex });
  } catch (e) {
    deleteQdisc(sock, ifindex, TC_H_INGRESS, INGRESS_HANDLE); // all or nothing: the qdisc was ours
    throw e;
  }
}

/** The link's root qdisc; undefined when the kernel lists none (a link that is not up yet). */
export function rootQdisc(sock: NetlinkSocket, ifindex: number): Qdisc | undefined {
  return listQdiscs(sock, ifindex).find((q) => q.parent === TC_H_ROOT);
}

/** Whether the link has an ingress qdisc (ours or anyone's). */
export function hasIngressQdisc(sock: NetlinkSocket, ifindex: number): boolean {
  return listQdiscs(sock, ifindex).some((q) => q.kind === 'ingress');
}

/** Removes the root tbf made by {@link addRootTbf}; another root qdisc is left. Returns whether one went. */
export function removeRootTbf(sock: NetlinkSocket, ifindex: number): boolean {
  const ours = listQdiscs(sock, ifindex).some((q) => q.parent === TC_H_ROOT && q.kind === 'tbf' && q.handle === TBF_HANDLE);
  return ours && deleteQdisc(sock, ifindex, TC_H_ROOT, TBF_HANDLE);
}

/** Removes the ingress qdisc (and with it its filters) made by {@link addIngressRedirect}. Returns whether one went. */
export function removeIngressRedirect(sock: NetlinkSocket, ifindex: number): boolean {
  const ours = listQdiscs(sock, ifindex).some((q) => q.kind === 'ingress' && q.handle === INGRESS_HANDLE);
  return ours && deleteQdisc(sock, ifindex, TC_H_INGRESS, INGRESS_HANDLE);
}

/**
 * Creates the ifb that shapes a pod's egress: up, with the host veth's MTU and a transmit
 * queue length of 0 (as the Go plugin, which avoids a longer queue on purpose, PR #1097).
 * @throws {NetlinkError} EEXIST when the name is taken.
 */
export function createShapingIfb(sock: NetlinkSocket, name: string, mtu: number): Link {
  return createIfb(sock, { name, mtu, txQueueLen: 0, up: true });
}

/**
 * The ifindex of a veth's peer, as seen from the socket's namespace (the peer is in another
 * one); undefined when `ifname` is missing or not a veth.
 */
export function vethPeerIndex(sock: NetlinkSocket, ifname: string): number | undefined {
  const link = getLink(sock, ifname);
  if (link?.kind !== 'veth' || !link.link) return undefined;
  return link.link;
}
