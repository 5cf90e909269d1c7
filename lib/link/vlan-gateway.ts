import { CniError, ErrorCode } from '../cni/index.ts';
import { type Link, type NetlinkSocket, createVeth, deleteLink, getLink, isNetlinkError, setLink } from '../netlink/index.ts';
import { attachPort } from './port.ts';
import { randomVethName } from './random.ts';
import { ensureSysctl, hostLinkLocalReadyAtOnce } from './sysctl.ts';

// A gateway for one VLAN of a VLAN-filtering bridge cannot sit on the bridge device (which is
// in the bridge's default VLAN). As the reference does, it goes on a host-side veth pair: the
// end named `<bridge>.<vlan>` holds the gateway addresses, its peer is a bridge port in that
// VLAN (PVID, untagged). It is made once per bridge and VLAN, shared by the VLAN's pods and
// never removed, like the bridge itself.

/** Which VLAN gateway to ensure. */
export interface VlanGatewaySettings {
  readonly vlan: number;
  /** The bridge's ports keep VLAN 1 too (the gateway's port follows them). */
  readonly preserveDefaultVlan: boolean;
}

/** The gateway interface's name for a VLAN, e.g. `cni0.100`. */
export function vlanGatewayName(bridge: string, vlan: number): string {
  return `${bridge}.${vlan}`;
}

function createVlanGateway(host: NetlinkSocket, bridge: Link, s: VlanGatewaySettings, name: string): Link | undefined {
  const peerName = randomVethName();
  let link: Link;
  try {
    link = createVeth(host, { name, mtu: bridge.mtu, peer: { name: peerName } });
  } catch (e) {
    if (!isNetlinkError(e, 'EEXIST')) throw e;
    return getLink(host, name); // a parallel ADD made it first
  }
  try {
    // the gateway's own port: in the VLAN, never hairpin or isolated (isolated pods must reach it)
    const peer = { index: link.link ?? getLink(host, peerName)?.index ?? 0, name: peerName };
    attachPort(host, bridge, peer, { hairpin: false, isolated: false, vlans: { access: s.vlan, trunk: [], preserveDefault: s.preserveDefaultVlan } });
  } catch (e) {
    deleteLink(host, link.index); // half made: the next ADD would find and trust it
    throw e;
  }
  return link;
}

/**
 * Finds or creates the VLAN's gateway interface, up, with its peer attached to the bridge.
 * @throws CniError when a link of that name exists but is not a veth.
 */
export function ensureVlanGateway(host: NetlinkSocket, bridge: Link, s: VlanGatewaySettings): Link {
  const name = vlanGatewayName(bridge.name, s.vlan);
  let link = getLink(host, name);
  if (!link) link = createVlanGateway(host, bridge, s, name);
  if (!link) throw new CniError(ErrorCode.Internal, `VLAN gateway interface "${name}" vanished while it was being set up`);
  if (link.kind !== 'veth') {
    throw new CniError(
      ErrorCode.Internal,
      `"${name}" already exists but is not the veth the bridge plugin uses as the gateway of VLAN ${s.vlan} (it is a ${link.kind ?? 'device without a kind'})`,
      'remove that link or choose another "bridge" name',
    );
  }
  ensureSysctl(`net/ipv6/conf/${name}/accept_ra`, '0');
  // it routes to the VLAN's pods: its fe80:: address must not be tentative (see the function)
  hostLinkLocalReadyAtOnce(name);
  if (!link.up) setLink(host, link.index, { up: true });
  return getLink(host, link.index) ?? link;
}
