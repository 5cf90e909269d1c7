import type { Family } from '../addr/index.ts';
import { CniError, ErrorCode } from '../cni/index.ts';
import { type NetlinkSocket, RT_SCOPE_HOST, RT_SCOPE_LINK, addAddress, addRoute, deleteRoute, isNetlinkError } from '../netlink/index.ts';

/**
 * One address of a routed (point-to-point) veth attachment: the pod's address in its subnet,
 * and the peer on the host end that all of the pod's traffic goes through.
 */
export interface PeerAddress {
  readonly family: Family;
  /** The pod's address, e.g. '10.1.0.5'. */
  readonly ip: string;
  /** Its subnet with host bits cleared, e.g. '10.1.0.0/24'. */
  readonly subnet: string;
  /** The host end's address (the IPAM gateway), e.g. '10.1.0.1'. */
  readonly peer: string;
}

function hostPrefix(a: { family: Family }): number {
  return a.family === 4 ? 32 : 128;
}

function routeFailure(what: string, e: unknown): CniError {
  return new CniError(ErrorCode.Internal, `failed to ${what}: ${(e as Error).message}`, undefined, { cause: e });
}

/**
 * Container side (`ctr` opened in the pod's netns, `index` its veth): the subnet stops being
 * on-link; only the peer is (`peer/32 scope link src ip`), and the rest of the subnet is
 * reached through it (`subnet via peer src ip`). A veth cannot be IFF_POINTTOPOINT, so this
 * makes every packet, even to a neighbour in the subnet, go to the host first.
 */
export function routeSubnetViaPeer(ctr: NetlinkSocket, index: number, a: PeerAddress): void {
  // the kernel's connected route for the address; absent already counts as done
  deleteRoute(ctr, { dst: a.subnet, oif: index });
  const peerRoute = { dst: `${a.peer}/${hostPrefix(a)}`, oif: index, scope: RT_SCOPE_LINK, src: a.ip };
  const subnetRoute = { dst: a.subnet, oif: index, gateway: a.peer, src: a.ip };
  for (const [route, what] of [[peerRoute, `add route ${peerRoute.dst} in the container`], [subnetRoute, `add route ${a.subnet} via ${a.peer} in the container`]] as const) {
    try {
      addRoute(ctr, route);
    } catch (e) {
      if (!isNetlinkError(e, 'EEXIST')) throw routeFailure(what, e);
    }
  }
}

/**
 * Host side (`index` the host end of the veth): the peer address as a /32 (/128) on the host
 * end, which every pod of the network shares, and a host route to the pod's address through
 * it. Both vanish with the veth, so neither needs an undo of its own.
 */
export function addPeerOnHost(host: NetlinkSocket, index: number, a: PeerAddress): void {
  const bits = hostPrefix(a);
  try {
    addAddress(host, index, { address: a.peer, prefixLen: bits, noDad: a.family === 6 });
  } catch (e) {
    if (!isNetlinkError(e, 'EEXIST')) throw routeFailure(`add address ${a.peer}/${bits} to the host veth`, e);
  }
  try {
    addRoute(host, { dst: `${a.ip}/${bits}`, oif: index, scope: RT_SCOPE_HOST });
  } catch (e) {
    if (!isNetlinkError(e, 'EEXIST')) throw routeFailure(`add route ${a.ip}/${bits} on the host`, e);
  }
}
