import { CniError, ErrorCode } from '../cni/index.ts';
import { type Link, type NetlinkSocket, type TunInfo, deleteLink, getLink, getTunInfo, isNetlinkError, setLink } from '../netlink/index.ts';
import { type Netns, withNetns } from '../netns/index.ts';
import { IFF_MULTI_QUEUE, IFF_NO_PI, IFF_TAP, IFF_VNET_HDR, SysError, createPersistentTun } from '../sys/index.ts';
import { ifnameTaken } from './errors.ts';
import { randomVethName } from './random.ts';

/** A persistent TAP device in a container, as the tap plugin makes it. */
export interface ContainerTapSettings {
  readonly ifname: string;
  readonly multiQueue: boolean;
  /** Created with IFF_VNET_HDR (a reader attaching later sets its own). */
  readonly vnetHdr: boolean;
  /** uid allowed to attach (TUNSETOWNER). */
  readonly owner?: number | undefined;
  /** gid allowed to attach (TUNSETGROUP). */
  readonly group?: number | undefined;
  readonly mtu?: number | undefined;
  readonly mac?: string | undefined;
  /** ifindex of a bridge in the same namespace to make the tap a port of. */
  readonly master?: number | undefined;
}

/** The TUNSETIFF flags of a tap: never a packet-information header (IFF_NO_PI), as `ip tuntap` makes them. */
export function tapFlags(s: Pick<ContainerTapSettings, 'multiQueue' | 'vnetHdr'>): number {
  return IFF_TAP | IFF_NO_PI | (s.multiQueue ? IFF_MULTI_QUEUE : 0) | (s.vnetHdr ? IFF_VNET_HDR : 0);
}

function explainTunFailure(e: unknown, ifname: string): unknown {
  if (!(e instanceof SysError)) return e;
  if (e.code === 'ENOENT' || e.code === 'ENODEV' || e.code === 'ENXIO') {
    return new CniError(ErrorCode.Internal, `cannot create tap ${ifname}: /dev/net/tun is missing or has no driver`, 'the tap plugin needs the kernel\'s TUN/TAP driver (CONFIG_TUN, module tun) and the device node /dev/net/tun', { cause: e });
  }
  return new CniError(ErrorCode.Internal, `cannot create tap ${ifname}: ${e.message}`, undefined, { cause: e });
}

/**
 * Creates a persistent tap in the container: made under a random temporary name by the
 * /dev/net/tun ioctls from inside the container's namespace (so it is born there, whatever the
 * host has by that name), then renamed to `ifname` with its MTU and MAC in one request, made a
 * port of `master` if given, and left down. Removes what it made when a later step fails.
 * @throws CniError when `ifname` already exists, when the kernel has no TUN/TAP, or for a value
 * the kernel refused (the MTU beyond the range, a MAC it rejects).
 */
export function createContainerTap(ns: Netns, ctr: NetlinkSocket, s: ContainerTapSettings): Link {
  if (getLink(ctr, s.ifname)) throw ifnameTaken(s.ifname);
  const tmp = randomVethName();
  try {
    withNetns(ns, () => createPersistentTun({ name: tmp, flags: tapFlags(s), owner: s.owner, group: s.group }));
  } catch (e) {
    throw explainTunFailure(e, s.ifname);
  }
  try {
    setLink(ctr, tmp, { name: s.ifname, ...(s.mtu !== undefined ? { mtu: s.mtu } : {}), ...(s.mac !== undefined ? { mac: s.mac } : {}) });
    if (s.master !== undefined) setLink(ctr, s.ifname, { master: s.master });
    const link = getLink(ctr, s.ifname);
    if (!link) throw new CniError(ErrorCode.Internal, `tap ${s.ifname} vanished right after it was created`);
    return link;
  } catch (e) {
    // by name: the rename may or may not have happened
    for (const name of [tmp, s.ifname]) {
      try {
        if (getLink(ctr, name)?.kind === 'tun') deleteLink(ctr, name);
      } catch {
        // the error that matters is the one thrown below
      }
    }
    if (isNetlinkError(e, 'EINVAL') || isNetlinkError(e, 'EADDRNOTAVAIL')) {
      throw new CniError(ErrorCode.Internal, `cannot set up tap ${s.ifname}: ${(e as Error).message}`, 'the kernel refused the MTU or the MAC address of the config', { cause: e });
    }
    throw e;
  }
}

/** The tun/tap settings of a container's link; undefined when it is gone or not a tun/tap. */
export function tapInfo(ctr: NetlinkSocket, ifname: string): TunInfo | undefined {
  return getTunInfo(ctr, ifname);
}
