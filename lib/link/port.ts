import { CniError, ErrorCode } from '../cni/index.ts';
import { type Link, type NetlinkSocket, addBridgeVlan, getLink, deleteBridgeVlan, listBridgeVlans, setBridgePortFlags, setLink } from '../netlink/index.ts';
import { explainVlanFailure } from './errors.ts';
import { ensureSysctl } from './sysctl.ts';

/** The VLANs of a bridge port (the bridge must filter VLANs). */
export interface PortVlans {
  /** Access VLAN (PVID, untagged); 0 = none, and then VLAN 1 stays the PVID. */
  readonly access: number;
  /** Tagged VLAN IDs. */
  readonly trunk: readonly number[];
  /** Keep the port's default VLAN 1 entry next to the configured ones. */
  readonly preserveDefault: boolean;
}

/** How a port joins its bridge. */
export interface PortSettings {
  readonly hairpin: boolean;
  readonly isolated: boolean;
  /** Absent: the port takes the bridge's defaults. */
  readonly vlans?: PortVlans | undefined;
}

/** The parts of a port that attachPort needs (a Link, or what veth creation already told us). */
export interface PortRef {
  readonly index: number;
  readonly name: string;
}

/**
 * Makes a link a port of the bridge with the given flags and VLANs, then up.
 * @throws CniError when VLANs are asked for and the kernel lacks VLAN filtering.
 */
export function attachPort(host: NetlinkSocket, bridge: Link, port: PortRef, s: PortSettings): void {
  try {
    configurePort(host, bridge, port, s);
  } catch (e) {
    throw explainVlanFailure(e, bridge.name);
  }
}

function configurePort(host: NetlinkSocket, bridge: Link, port: PortRef, s: PortSettings): void {
  setLink(host, port.index, { master: bridge.index });
  if (s.hairpin || s.isolated) {
    setBridgePortFlags(host, port.index, { ...(s.hairpin ? { hairpin: true } : {}), ...(s.isolated ? { isolated: true } : {}) });
  }
  const v = s.vlans;
  if (v) {
    if (!v.preserveDefault) {
      for (const entry of listBridgeVlans(host, port.index)) deleteBridgeVlan(host, port.index, { vid: entry.vid });
    }
    if (v.access) addBridgeVlan(host, port.index, { vid: v.access, pvid: true, untagged: true });
    for (const vid of v.trunk) addBridgeVlan(host, port.index, { vid });
    if (!v.access && v.trunk.length) addBridgeVlan(host, port.index, { vid: 1, pvid: true, untagged: true });
  }
  ensureSysctl(`net/ipv6/conf/${port.name}/accept_ra`, '0');
  setLink(host, port.index, { up: true });
}

/**
 * Waits until a bridge port forwards: a veth is oper-up at once when both ends are up, but
 * the bridge port may still be learning; the reference waits the same way before returning.
 * @throws CniError naming the port's last state after about 3 s.
 */
export async function waitPortUp(host: NetlinkSocket, index: number): Promise<void> {
  // short first steps: the port is nearly always up at the first or second look
  const delays = [0, 2, 5, 20, 50, 100, 250, 500, 1000, 1000];
  let state = 'unknown';
  for (const ms of delays) {
    if (ms) await new Promise((r) => setTimeout(r, ms));
    state = getLink(host, index)?.operstate ?? 'gone';
    if (state === 'up') return;
  }
  throw new CniError(ErrorCode.Internal, `bridge port in error state: ${state}`);
}
