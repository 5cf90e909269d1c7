import { CniError, ErrorCode, type Interface, type Result } from '../../lib/cni/index.ts';
import {
  type Link,
  NetlinkSocket,
  addIngressRedirect,
  addRootTbf,
  createShapingIfb,
  deleteLink,
  getLink,
  removeIngressRedirect,
  removeRootTbf,
  vethPeerIndex,
} from '../../lib/link/index.ts';
import { openContainerNetns, openContainerNetnsForDel, routeSocketIn } from '../../lib/netns/index.ts';
import type { Netns } from '../../lib/netns/index.ts';
import type { UndoStack } from '../../lib/undo.ts';
import type { BandwidthConfig } from './config.ts';
import { tbfParams } from './plan.ts';

// The host-side changes: everything bandwidth does is in the plugin's own (the node's)
// namespace; the pod's is only read, to find the peer of its interface.

/** The peer ifindex of the pod's interface, read inside the pod's namespace; undefined when it is not a veth. */
function peerIndexIn(ns: Netns, ifname: string): number | undefined {
  const sock = routeSocketIn(ns);
  try {
    return vethPeerIndex(sock, ifname);
  } finally {
    sock.close();
  }
}

/**
 * The host side of the pod's veth, found as Go finds it: the peer of CNI_IFNAME, which
 * prevResult must list without a sandbox.
 * @throws CniError code 3 when the pod's namespace is gone; 999 when there is no such veth (as Go).
 */
export function findHostVeth(host: NetlinkSocket, netns: string, ifname: string, prev: Result): Link {
  const ns = openContainerNetns(netns);
  let peer: number | undefined;
  try {
    peer = peerIndexIn(ns, ifname);
  } finally {
    ns.close();
  }
  const hint = 'bandwidth shapes the host side of a veth pair: chain it after bridge or ptp, whose result lists that veth';
  if (peer === undefined) throw new CniError(ErrorCode.Internal, `container interface ${ifname} has no veth peer`, hint);
  const link = getLink(host, peer);
  if (!link) throw new CniError(ErrorCode.Internal, `veth peer with index ${peer} is not in host ns`, hint);
  if (!(prev.interfaces ?? []).some((i) => i.name === link.name && !i.sandbox)) throw new CniError(ErrorCode.Internal, 'no veth peer of container interface found in host ns', `prevResult does not list ${link.name} without a sandbox; ${hint}`);
  return link;
}

/** The host side of the pod's veth for a DEL; undefined when the pod's namespace, its interface or the peer is gone. */
export function findHostVethForDel(host: NetlinkSocket, netns: string, ifname: string): Link | undefined {
  const ns = openContainerNetnsForDel(netns);
  if (!ns) return undefined;
  let peer: number | undefined;
  try {
    peer = peerIndexIn(ns, ifname);
  } finally {
    ns.close();
  }
  const link = peer === undefined ? undefined : getLink(host, peer);
  return link?.kind === 'veth' ? link : undefined;
}

function failed(what: string, e: unknown): CniError {
  const msg = (e as Error).message;
  const taken = (e as { code?: string }).code === 'EEXIST';
  return new CniError(ErrorCode.Internal, `${what}: ${msg}`, taken ? 'another qdisc or device holds the place (a second ADD, or another tool\'s tc setup on this veth)' : undefined, { cause: e });
}

/**
 * Shapes the pod's traffic, registering the undo of each step: ingress (to the pod) by a tbf
 * at the host veth's root; egress (from the pod) by redirecting what the host veth receives to
 * an ifb with a tbf at its root. Returns the ifb as the result lists it.
 */
export function applyShaping(host: NetlinkSocket, veth: Link, cfg: BandwidthConfig, ifb: string, undo: UndoStack): Interface | undefined {
  if (cfg.ingress) {
    try {
      addRootTbf(host, veth.index, tbfParams(cfg.ingress));
    } catch (e) {
      throw failed(`create qdisc on ${veth.name}`, e);
    }
    undo.push(`tbf on ${veth.name}`, () => removeRootTbf(host, veth.index));
  }
  if (!cfg.egress) return undefined;
  let dev: Link;
  try {
    dev = createShapingIfb(host, ifb, veth.mtu);
  } catch (e) {
    throw failed(`adding link ${ifb}`, e);
  }
  undo.push(`ifb ${ifb}`, () => deleteLink(host, dev.index));
  try {
    addIngressRedirect(host, veth.index, dev.index);
  } catch (e) {
    // EEXIST: another tool's ingress or clsact qdisc (Go's #894), which stays as it is
    throw failed(`create ingress qdisc on ${veth.name}`, e);
  }
  undo.push(`ingress qdisc on ${veth.name}`, () => removeIngressRedirect(host, veth.index));
  try {
    addRootTbf(host, dev.index, tbfParams(cfg.egress));
  } catch (e) {
    throw failed(`create ifb qdisc on ${ifb}`, e);
  }
  return { name: ifb, ...(dev.mac ? { mac: dev.mac } : {}) };
}

/**
 * DEL's host-side cleanup, touching only what this plugin would have made: the host veth's
 * ingress qdisc (and its filter) when the ifb is there to redirect to, its root tbf when
 * ingress shaping is configured, then the ifb. What is gone is fine. Go leaves the veth's
 * qdiscs to the veth's deletion.
 */
export function removeShaping(host: NetlinkSocket, veth: Link | undefined, ifb: string, ingressShaped: boolean): void {
  const dev = getLink(host, ifb);
  if (veth && dev) removeIngressRedirect(host, veth.index);
  if (veth && ingressShaped) removeRootTbf(host, veth.index);
  if (dev) deleteLink(host, dev.index);
}

export { NetlinkSocket };
