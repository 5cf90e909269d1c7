import { CniError, ErrorCode } from '../cni/index.ts';
import { IFF_LOOPBACK, type Link, type NetlinkSocket, getLink, listRoutes } from '../netlink/index.ts';
import type { ChildKind } from './child-link.ts';

// The parent ("master") of a macvlan or ipvlan: found by name or through the default route,
// and judged before anything changes, so that a wrong one is the caller's error (code 7)
// rather than the kernel's EINVAL or EBUSY halfway through an ADD.

/** ARPHRD_ETHER: the only device type macvlan and ipvlan accept as parent. */
const ARPHRD_ETHER = 1;
/** The smallest MTU the kernel accepts on an Ethernet-like link (ETH_MIN_MTU). */
export const MIN_ETHERNET_MTU = 68;

/** Where the parent is looked up, for messages: "the node's" or "the pod's". */
export type ParentPlace = 'node' | 'pod';

function invalidMaster(name: string, details: string): CniError {
  return new CniError(ErrorCode.InvalidConfig, `invalid master ${JSON.stringify(name)}`, details);
}

/**
 * The interface of the namespace's default route (IPv4 first, then IPv6, main table): the
 * parent the reference takes when none is configured.
 */
export function defaultRouteInterface(sock: NetlinkSocket): Link | undefined {
  for (const family of [4, 6] as const) {
    for (const r of listRoutes(sock, { family })) {
      if ((r.dst === '0.0.0.0/0' || r.dst === '::/0') && r.oif !== undefined) {
        const link = getLink(sock, r.oif);
        if (link) return link;
      }
    }
  }
  return undefined;
}

/**
 * Finds the parent: `name`, or without one the default route's interface, in the namespace of
 * `sock`.
 * @throws CniError code 7 naming the master when there is none of that name, or no default route.
 */
export function resolveParent(sock: NetlinkSocket, name: string | undefined, place: ParentPlace): Link {
  if (!name) {
    const link = defaultRouteInterface(sock);
    if (!link) throw invalidMaster('', `no master is configured and the ${place}'s network namespace has no default route to take it from: set "master"`);
    return link;
  }
  const link = getLink(sock, name);
  if (!link) throw invalidMaster(name, `there is no interface of that name in the ${place}'s network namespace`);
  return link;
}

/**
 * Why `parent` cannot carry a child of `kind`, or undefined when it can. The kernel wants an
 * Ethernet device that is not loopback, and one whose received frames are not already taken by
 * a bridge or bond it is a port of (EBUSY); a bridge itself is a fine parent.
 */
export function parentProblem(parent: Link, kind: ChildKind): string | undefined {
  const child = `${kind === 'ipvlan' ? 'an' : 'a'} ${kind}`;
  if (parent.flags & IFF_LOOPBACK) return `"${parent.name}" is the loopback device: ${child} needs an Ethernet parent`;
  if (parent.type !== ARPHRD_ETHER) return `"${parent.name}" is not an Ethernet device (link type ${parent.type}): ${child} needs one`;
  if (parent.master !== undefined) {
    const of = parent.slaveKind ? `a ${parent.slaveKind}` : 'another device';
    return `"${parent.name}" is a port of ${of} (ifindex ${parent.master}), which takes its frames: use the ${parent.slaveKind ?? 'master'} itself as master`;
  }
  return undefined;
}

/**
 * Checks the parent for a child of `kind`.
 * @throws CniError code 7 naming the master and why it cannot be one.
 */
export function checkParent(parent: Link, kind: ChildKind): void {
  const problem = parentProblem(parent, kind);
  if (problem) throw invalidMaster(parent.name, problem);
}

/**
 * The child's MTU: undefined (0 or absent: the kernel gives it the parent's) or within
 * [68, parent's MTU], as the reference bounds it by the master's.
 * @throws CniError code 7 naming the mtu and the range.
 */
export function childMtu(mtu: number | undefined, parent: Link): number | undefined {
  if (!mtu) return undefined;
  if (mtu < MIN_ETHERNET_MTU || mtu > parent.mtu) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid mtu ${mtu}`, `expected 0 (the master's MTU) or an integer from ${MIN_ETHERNET_MTU} to ${parent.mtu}, the MTU of master "${parent.name}"`);
  }
  return mtu;
}
