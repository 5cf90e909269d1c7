import { parseIp, prefixMask } from '../../lib/addr/index.ts';
import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import {
  type Link,
  type NetlinkSocket,
  addAddress,
  addBridgeVlan,
  createBridge,
  deleteAddress,
  deleteBridgeVlan,
  getBridgeInfo,
  getLink,
  isNetlinkError,
  listAddresses,
  listBridgeVlans,
  setBridgeOptions,
  setBridgePortFlags,
  setLink,
} from '../../lib/netlink/index.ts';
import { readSysctl, writeSysctl } from '../../lib/netns/index.ts';
import { type BridgeConfig, usesVlans } from './config.ts';
import type { GatewayPlan } from './plan.ts';
import { randomMac } from './random.ts';

/** EOPNOTSUPP from a VLAN request: the kernel was built without bridge VLAN filtering. */
function vlanUnsupported(e: unknown, bridge: string): unknown {
  if (!isNetlinkError(e, 'EOPNOTSUPP')) return e;
  return new CniError(
    ErrorCode.Internal,
    `cannot turn on VLAN filtering on bridge "${bridge}": this kernel does not support it (CONFIG_BRIDGE_VLAN_FILTERING)`,
    '"vlan" and "vlanTrunk" need it: use a kernel with bridge VLAN filtering, or drop them from the config',
    { cause: e },
  );
}

/** Writes a sysctl only when it differs: unchanged sysctls cost no write and need no privilege. */
export function ensureSysctl(name: string, value: string): void {
  try {
    if (readSysctl(name).trim() === value) return;
  } catch {
    // unreadable: try the write, which reports the real problem
  }
  writeSysctl(name, value);
}

/**
 * Finds or creates the bridge and brings it up. A new bridge gets a fixed MAC so that ports
 * joining and leaving never change it (which would invalidate the pods' ARP entries for the
 * gateway, and is what broke the reference after its last port left).
 * @throws CniError code 7 when a link of that name exists but is not a bridge.
 */
export function ensureBridge(host: NetlinkSocket, cfg: BridgeConfig): Link {
  let link = getLink(host, cfg.bridge);
  if (!link) {
    try {
      link = createBridge(host, {
        name: cfg.bridge,
        mac: randomMac(),
        ...(cfg.mtu ? { mtu: cfg.mtu } : {}),
        ...(usesVlans(cfg) ? { vlanFiltering: true } : {}),
      });
    } catch (e) {
      // another ADD created it at the same moment
      if (!isNetlinkError(e, 'EEXIST')) throw vlanUnsupported(e, cfg.bridge);
      link = getLink(host, cfg.bridge);
    }
  }
  if (!link) throw new CniError(ErrorCode.Internal, `bridge "${cfg.bridge}" vanished while it was being set up`);
  if (link.kind !== 'bridge') {
    throw new CniError(
      ErrorCode.InvalidConfig,
      `"${cfg.bridge}" already exists but is not a bridge (it is a ${link.kind ?? 'device without a kind'})`,
      'choose another "bridge" name in the config, or remove that link',
    );
  }
  if (usesVlans(cfg) && !getBridgeInfo(host, link.index)?.vlanFiltering) {
    try {
      setBridgeOptions(host, link.index, { vlanFiltering: true });
    } catch (e) {
      throw vlanUnsupported(e, cfg.bridge);
    }
  }
  ensureSysctl(`net/ipv6/conf/${cfg.bridge}/accept_ra`, '0');
  // one request for both flags; an existing bridge that is already right costs nothing here
  const promisc = cfg.promiscMode && !link.promisc;
  if (promisc || !link.up) {
    setLink(host, link.index, { up: true, ...(promisc ? { promisc: true } : {}) });
    return getLink(host, link.index) ?? link;
  }
  return link;
}

/** The parts of a port that attachPort needs (a Link, or what veth creation already told us). */
export interface PortRef {
  readonly index: number;
  readonly name: string;
}

/**
 * Makes the host veth a port of the bridge with the configured flags and VLANs, then up.
 * @throws CniError when VLANs are configured and the kernel lacks VLAN filtering.
 */
export function attachPort(host: NetlinkSocket, bridge: Link, port: PortRef, cfg: BridgeConfig): void {
  try {
    configurePort(host, bridge, port, cfg);
  } catch (e) {
    throw vlanUnsupported(e, bridge.name);
  }
}

function configurePort(host: NetlinkSocket, bridge: Link, port: PortRef, cfg: BridgeConfig): void {
  setLink(host, port.index, { master: bridge.index });
  if (cfg.hairpinMode || cfg.portIsolation) {
    setBridgePortFlags(host, port.index, { ...(cfg.hairpinMode ? { hairpin: true } : {}), ...(cfg.portIsolation ? { isolated: true } : {}) });
  }
  if (usesVlans(cfg)) {
    if (!cfg.preserveDefaultVlan) {
      for (const v of listBridgeVlans(host, port.index)) deleteBridgeVlan(host, port.index, { vid: v.vid });
    }
    if (cfg.vlan) addBridgeVlan(host, port.index, { vid: cfg.vlan, pvid: true, untagged: true });
    for (const vid of cfg.vlanTrunk) addBridgeVlan(host, port.index, { vid });
    if (!cfg.vlan && cfg.vlanTrunk.length) addBridgeVlan(host, port.index, { vid: 1, pvid: true, untagged: true });
  }
  ensureSysctl(`net/ipv6/conf/${port.name}/accept_ra`, '0');
  setLink(host, port.index, { up: true });
}

function overlaps(a: { address: string; prefixLen: number }, b: GatewayPlan): boolean {
  // IPv6 gateways conflict only when their prefixes overlap: compare the shorter prefix's bits
  const mask = prefixMask(6, Math.min(a.prefixLen, b.prefixLength));
  return (parseIp(a.address).value & mask) === (parseIp(b.ip).value & mask);
}

/**
 * Puts a gateway address on the bridge (or on a VLAN's gateway interface). An exact match is
 * fine; any other IPv4 address, or an overlapping IPv6 prefix, is a conflict unless
 * forceAddress allows replacing it.
 * @throws CniError naming the conflicting address and the forceAddress option.
 */
export function ensureGateway(host: NetlinkSocket, bridge: Link, gw: GatewayPlan, forceAddress: boolean): void {
  const existing = listAddresses(host, { index: bridge.index, family: gw.family }).filter((a) => a.scope === 0);
  if (existing.some((a) => a.address === gw.ip && a.prefixLen === gw.prefixLength)) return;
  const conflicts = gw.family === 4 ? existing : existing.filter((a) => overlaps(a, gw));
  for (const c of conflicts) {
    if (!forceAddress) {
      throw new CniError(
        ErrorCode.Internal,
        `"${bridge.name}" already has an IP address different from ${gw.ip}/${gw.prefixLength}: ${c.address}/${c.prefixLen}`,
        'another network config uses this bridge with another subnet; give each network its own "bridge", or set "forceAddress": true to replace the address',
      );
    }
    deleteAddress(host, bridge.index, { address: c.address, prefixLen: c.prefixLen });
  }
  try {
    addAddress(host, bridge.index, { address: gw.ip, prefixLen: gw.prefixLength, noDad: gw.family === 6 });
  } catch (e) {
    if (!isNetlinkError(e, 'EEXIST')) throw e; // a parallel ADD added it
    return;
  }
  if (bridge.kind === 'bridge') pinBridgeMac(host, bridge.index);
}

/**
 * Sets a bridge we did not create (its MAC follows its ports) to its own current MAC, which
 * fixes it, as the reference does; but only when this ADD added the gateway address (setting
 * a MAC flushes the bridge's neighbour table, which must not happen on every ADD) and from a
 * fresh read (re-applying a stale or all-zero MAC is the reference's bug 4.1).
 */
function pinBridgeMac(host: NetlinkSocket, index: number): void {
  const now = getLink(host, index);
  if (!now?.mac || /^(00:){5}00$/.test(now.mac)) return;
  setLink(host, index, { mac: now.mac });
}

/** Turns on forwarding for the families that have a gateway on the bridge. */
export function enableForwarding(gateways: readonly GatewayPlan[]): void {
  if (gateways.some((g) => g.family === 4)) ensureSysctl('net/ipv4/ip_forward', '1');
  if (gateways.some((g) => g.family === 6)) ensureSysctl('net/ipv6/conf/all/forwarding', '1');
}

/**
 * Waits until the host port forwards: a veth is oper-up at once when both ends are up, but the
 * bridge port may still be learning; the reference waits the same way before returning.
 */
export async function waitPortUp(host: NetlinkSocket, index: number): Promise<void> {
  // short first steps: the port is nearly always up at the first or second look
  const delays = [0, 2, 5, 20, 50, 100, 250, 500, 1000, 1000];
  let state = 'unknown';
  for (const ms of delays) {
    if (ms) await new Promise((r) => setTimeout(r, ms));
    const link = getLink(host, index);
    state = link?.operstate ?? 'gone';
    if (state === 'up') return;
  }
  throw new CniError(ErrorCode.Internal, `bridge port in error state: ${state}`);
}
