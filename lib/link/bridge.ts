import { CniError, ErrorCode } from '../cni/index.ts';
import { type Link, type NetlinkSocket, createBridge, getBridgeInfo, getLink, isNetlinkError, setBridgeOptions, setLink } from '../netlink/index.ts';
import { explainVlanFailure } from './errors.ts';
import { randomMac } from './random.ts';
import { ensureSysctl, hostLinkLocalReadyAtOnce } from './sysctl.ts';

/** What a bridge must look like after ensureBridge. */
export interface BridgeSettings {
  readonly name: string;
  /** Only for a new bridge; an existing one keeps its MTU. */
  readonly mtu?: number | undefined;
  /** Needed by VLAN ports; turned on for an existing bridge too. */
  readonly vlanFiltering: boolean;
  readonly promisc: boolean;
}

/**
 * Finds or creates the bridge and brings it up. A new bridge gets a fixed MAC so that ports
 * joining and leaving never change it (which would invalidate the pods' ARP entries for the
 * gateway, and is what broke the reference after its last port left).
 * @throws CniError code 7 when a link of that name exists but is not a bridge.
 */
export function ensureBridge(host: NetlinkSocket, s: BridgeSettings): Link {
  let link = getLink(host, s.name);
  if (!link) {
    try {
      link = createBridge(host, {
        name: s.name,
        mac: randomMac(),
        ...(s.mtu ? { mtu: s.mtu } : {}),
        ...(s.vlanFiltering ? { vlanFiltering: true } : {}),
      });
    } catch (e) {
      // another ADD created it at the same moment
      if (!isNetlinkError(e, 'EEXIST')) throw explainVlanFailure(e, s.name);
      link = getLink(host, s.name);
    }
  }
  if (!link) throw new CniError(ErrorCode.Internal, `bridge "${s.name}" vanished while it was being set up`);
  if (link.kind !== 'bridge') {
    throw new CniError(
      ErrorCode.InvalidConfig,
      `"${s.name}" already exists but is not a bridge (it is a ${link.kind ?? 'device without a kind'})`,
      'choose another "bridge" name in the config, or remove that link',
    );
  }
  if (s.vlanFiltering && !getBridgeInfo(host, link.index)?.vlanFiltering) {
    try {
      setBridgeOptions(host, link.index, { vlanFiltering: true });
    } catch (e) {
      throw explainVlanFailure(e, s.name);
    }
  }
  ensureSysctl(`net/ipv6/conf/${s.name}/accept_ra`, '0');
  // before the bridge first comes up: see hostLinkLocalReadyAtOnce
  hostLinkLocalReadyAtOnce(s.name);
  // one request for both flags; an existing bridge that is already right costs nothing here
  const promisc = s.promisc && !link.promisc;
  if (promisc || !link.up) {
    setLink(host, link.index, { up: true, ...(promisc ? { promisc: true } : {}) });
    return getLink(host, link.index) ?? link;
  }
  return link;
}
