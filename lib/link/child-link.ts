import { CniError, ErrorCode } from '../cni/index.ts';
import {
  type ChildLinkKind,
  type IpvlanMode,
  type Link,
  type MacvlanMode,
  type NetlinkSocket,
  createChildLink,
  deleteLink,
  getLink,
  getLinkWithInfoData,
  ipvlanKind,
  ipvlanModeOf,
  isNetlinkError,
  macvlanKind,
  macvlanModeOf,
  setLink,
} from '../netlink/index.ts';
import { type Netns, withNetns } from '../netns/index.ts';
import { ifnameTaken } from './errors.ts';
import { randomVethName } from './random.ts';
import { trySysctl } from './sysctl.ts';

// "A link attached to a parent" (macvlan, ipvlan; later vlan): created next to its parent,
// born in the pod's namespace under a random name, then renamed to CNI_IFNAME there. The
// random name is the reference's workaround for a kernel that checks the requested name in
// the parent's namespace as well: CNI_IFNAME (eth0) usually exists on the node.

/** The kind of child and its mode. */
export type ChildKindSettings =
  | { readonly kind: 'macvlan'; readonly mode: MacvlanMode; readonly bcQueueLen?: number | undefined }
  | { readonly kind: 'ipvlan'; readonly mode: IpvlanMode };

/** The kinds lib/link creates. */
export type ChildKind = ChildKindSettings['kind'];

/** What the kernel module of each kind is called, for the error of a kernel without it. */
const KERNEL_FEATURE: Readonly<Record<ChildKind, string>> = {
  macvlan: 'CONFIG_MACVLAN, module macvlan',
  ipvlan: 'CONFIG_IPVLAN, module ipvlan',
};

/** A child link to create in a pod. */
export interface ChildLinkSettings {
  readonly ifname: string;
  readonly kind: ChildKindSettings;
  /** The parent's ifindex in the namespace it lives in. */
  readonly parentIndex: number;
  /** The parent lives in the pod's namespace (linkInContainer), not the node's. */
  readonly parentInPod: boolean;
  readonly mtu?: number | undefined;
  readonly mac?: string | undefined;
}

/** The sockets and the pod namespace a child link is made with. */
export interface ChildLinkSides {
  /** A route socket in this process's (the node's) namespace. */
  readonly host: NetlinkSocket;
  /** A route socket in the pod's namespace. */
  readonly ctr: NetlinkSocket;
  /** The pod's namespace. */
  readonly ns: Netns;
}

function kindInfo(s: ChildKindSettings): ChildLinkKind {
  return s.kind === 'macvlan' ? macvlanKind(s.mode, s.bcQueueLen) : ipvlanKind(s.mode);
}

/** The kernel's refusal of a child link, in words a person can act on. */
export function explainChildFailure(e: unknown, kind: ChildKind, parent: string): unknown {
  if (isNetlinkError(e, 'EOPNOTSUPP')) {
    return new CniError(ErrorCode.Internal, `the kernel has no ${kind} support (${KERNEL_FEATURE[kind]})`, `load the ${kind} module or use a kernel built with it; nothing was changed`, { cause: e });
  }
  if (isNetlinkError(e, 'EBUSY')) {
    return new CniError(ErrorCode.Internal, `failed to create ${kind} on "${parent}": the device is busy`, 'it is a port of a bridge or bond, or a passthru macvlan already owns it', { cause: e });
  }
  if (e instanceof Error) return new CniError(ErrorCode.Internal, `failed to create ${kind} on "${parent}": ${e.message}`, undefined, { cause: e });
  return e;
}

/**
 * Creates the child link on its parent, in the pod's namespace, named `ifname`: from the node
 * with the pod's namespace as its birthplace, or (parentInPod) from inside the pod. A random
 * name taken is retried with another; a failed rename deletes the link again.
 * @throws CniError naming a kernel without the kind, a busy parent, or an `ifname` taken in the pod.
 */
export function createChildInPod(sides: ChildLinkSides, parentName: string, s: ChildLinkSettings): Link {
  const sock = s.parentInPod ? sides.ctr : sides.host;
  let tempName = '';
  for (let attempt = 1; ; attempt++) {
    tempName = randomVethName();
    try {
      createChildLink(sock, {
        name: tempName,
        parentIndex: s.parentIndex,
        info: kindInfo(s.kind),
        ...(s.mtu ? { mtu: s.mtu } : {}),
        ...(s.mac ? { mac: s.mac } : {}),
        ...(s.parentInPod ? {} : { netnsFd: sides.ns.fd }),
      });
      break;
    } catch (e) {
      // ten random names taken in a row is not chance
      if (!isNetlinkError(e, 'EEXIST') || attempt === 10) throw explainChildFailure(e, s.kind.kind, parentName);
    }
  }
  try {
    setLink(sides.ctr, tempName, { name: s.ifname });
  } catch (e) {
    deleteLink(sides.ctr, tempName);
    if (isNetlinkError(e, 'EEXIST')) throw ifnameTaken(s.ifname);
    throw new CniError(ErrorCode.Internal, `failed to rename ${s.kind.kind} ${tempName} to "${s.ifname}": ${(e as Error).message}`, undefined, { cause: e });
  }
  const link = getLink(sides.ctr, s.ifname);
  if (!link) throw new CniError(ErrorCode.Internal, `the new ${s.kind.kind} "${s.ifname}" vanished before it could be read`);
  return link;
}

/** A link as CHECK and DEL see it: its kind, and its mode when it is a child kind we know. */
export interface ChildLinkState {
  readonly link: Link;
  readonly mode: string | undefined;
}

/**
 * Reads a link with its macvlan or ipvlan mode; undefined when there is no such link.
 * @throws NetlinkError for failures other than "no such device".
 */
export function inspectChildLink(sock: NetlinkSocket, name: string): ChildLinkState | undefined {
  const found = getLinkWithInfoData(sock, name);
  if (!found) return undefined;
  const kind = found.link.kind;
  const mode = kind === 'macvlan' ? macvlanModeOf(found.data) : kind === 'ipvlan' ? ipvlanModeOf(found.data) : undefined;
  return { link: found.link, mode };
}

/**
 * Has the kernel send unsolicited neighbour advertisements when the child comes up or changes
 * its MAC (IPv6's arp_notify, which configureInterface sets): a child's MAC is new to the
 * segment, and neighbours holding an old entry for its address would otherwise keep it. A
 * kernel without IPv6 has no such key, which is fine.
 */
export function notifyNeighboursOnUp(ns: Netns, ifname: string): void {
  withNetns(ns, () => {
    trySysctl(`net/ipv6/conf/${ifname}/ndisc_notify`, '1');
  });
}
