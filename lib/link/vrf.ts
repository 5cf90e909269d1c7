import { CniError, ErrorCode } from '../cni/index.ts';
import {
  type Address,
  type Link,
  type NetlinkSocket,
  type Route,
  type RouteSpec,
  RTNH_F_ONLINK,
  RT_SCOPE_UNIVERSE,
  addAddress,
  createVrf,
  getVrf,
  isNetlinkError,
  listAddresses,
  listLinks,
  listRoutes,
  listVrfs,
  replaceRoute,
  setLink,
} from '../netlink/index.ts';
import { VRF_SUPPORT, explainMissingKind } from './kernel-support.ts';

/** Tables a VRF must not take: the kernel's own (253 default, 254 main, 255 local). */
export const RESERVED_TABLES: readonly number[] = [253, 254, 255];
/** The largest table id (u32). */
export const MAX_TABLE = 4294967295;

/** A VRF device and its routing table. */
export interface VrfDevice {
  readonly index: number;
  readonly name: string;
  readonly table: number;
}

/** What a name is in a netns: nothing, a VRF, or another kind of link. */
export type VrfLookup =
  | { readonly state: 'absent' }
  | { readonly state: 'vrf'; readonly vrf: VrfDevice }
  | { readonly state: 'other'; readonly link: Link };

/**
 * Looks up a VRF by name.
 * @throws {NetlinkError}
 */
export function lookupVrf(sock: NetlinkSocket, name: string): VrfLookup {
  const found = getVrf(sock, name);
  if (!found) return { state: 'absent' };
  if (found.table === undefined) return { state: 'other', link: found.link };
  return { state: 'vrf', vrf: { index: found.link.index, name: found.link.name, table: found.table } };
}

/**
 * The lowest table id from 1 that no VRF of this netns uses (the reference's rule), skipping
 * the kernel's own tables. Other users of a table (rules, plain routes) are not looked at, as
 * in the reference: a VRF owns its table by convention.
 * @throws {NetlinkError}
 */
export function freeVrfTable(sock: NetlinkSocket): number {
  const taken = new Set(listVrfs(sock).map((v) => v.table));
  for (let t = 1; t < MAX_TABLE; t++) if (!taken.has(t) && !RESERVED_TABLES.includes(t)) return t;
  throw new CniError(ErrorCode.Internal, 'no free routing table for a new VRF');
}

/**
 * Creates the VRF, up. Another ADD creating the same VRF at the same moment is not an error:
 * its VRF is returned.
 * @throws CniError naming the missing kernel feature when the kernel has no VRF support.
 */
export function createVrfDevice(sock: NetlinkSocket, name: string, table: number): VrfDevice {
  try {
    const link = createVrf(sock, { name, table, up: true });
    return { index: link.index, name: link.name, table };
  } catch (e) {
    if (!isNetlinkError(e, 'EEXIST')) throw explainMissingKind(e, VRF_SUPPORT);
    const now = lookupVrf(sock, name);
    if (now.state !== 'vrf') throw e;
    return now.vrf;
  }
}

/** The links enslaved to a VRF. @throws {NetlinkError} */
export function vrfPorts(sock: NetlinkSocket, vrf: number): Link[] {
  return listLinks(sock).filter((l) => l.master === vrf);
}

/** What enslaving took away, to put back if the ADD is rolled back. */
export interface EnslavedPort {
  readonly index: number;
  /** Routes through the port that were in the main table, now in the VRF's. */
  readonly movedRoutes: readonly Route[];
}

/** The link's routes that enslaving would lose: universe scope, through it, in the main table. */
function routesToMove(sock: NetlinkSocket, index: number): Route[] {
  return listRoutes(sock, { oif: index }).filter((r) => r.scope === RT_SCOPE_UNIVERSE);
}

function globalV6(sock: NetlinkSocket, index: number): Address[] {
  return listAddresses(sock, { index, family: 6 }).filter((a) => a.scope === RT_SCOPE_UNIVERSE);
}

/** A listed route as a spec for another table, every other attribute kept. */
export function routeInTable(r: Route, table: number): RouteSpec {
  return {
    dst: r.dst,
    table,
    scope: r.scope,
    protocol: r.protocol,
    type: r.type,
    ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
    ...(r.oif !== undefined ? { oif: r.oif } : {}),
    ...(r.priority !== undefined ? { priority: r.priority } : {}),
    ...(r.prefsrc !== undefined ? { src: r.prefsrc } : {}),
    ...(r.mtu !== undefined ? { mtu: r.mtu } : {}),
    ...(r.advmss !== undefined ? { advmss: r.advmss } : {}),
    ...((r.flags & RTNH_F_ONLINK) !== 0 ? { onlink: true } : {}),
  };
}

/** Backoff steps while the kernel installs a re-added IPv6 address's local route (about 2.5 s in all). */
const LOCAL_ROUTE_WAITS_MS = [10, 20, 40, 80, 160, 320, 640, 1280];

/**
 * Enslaves a link to a VRF and keeps its L3 configuration: enslaving cycles the link, which
 * flushes its routes from the main table and (without keep_addr_on_down) drops its global IPv6
 * addresses. So: the routes are saved first and replaced into the VRF's table afterwards, and
 * each lost IPv6 address is added back and waited for (its local /128 route must be in the VRF
 * table before routes through it can be added). As the reference does.
 * `onEnslaved` runs as soon as the link is a port, before anything is put back: a caller
 * registers its rollback there, so a failure while restoring still releases the port.
 * @throws CniError when an address or a route cannot be put back.
 */
export async function enslaveToVrf(sock: NetlinkSocket, port: Link, vrf: VrfDevice, onEnslaved?: (p: EnslavedPort) => void): Promise<EnslavedPort> {
  const before = globalV6(sock, port.index);
  const movedRoutes = routesToMove(sock, port.index);
  setLink(sock, port.index, { master: vrf.index });
  const enslaved: EnslavedPort = { index: port.index, movedRoutes };
  onEnslaved?.(enslaved);
  const after = globalV6(sock, port.index);
  for (const a of before) {
    if (after.some((x) => x.address === a.address && x.prefixLen === a.prefixLen)) continue;
    try {
      addAddress(sock, port.index, { address: a.address, prefixLen: a.prefixLen, noDad: true });
    } catch (e) {
      throw new CniError(ErrorCode.Internal, `could not restore address ${a.address}/${a.prefixLen} to ${port.name} in VRF ${vrf.name}: ${(e as Error).message}`, undefined, { cause: e });
    }
    await waitForLocalRoute(sock, port, vrf, a.address);
  }
  for (const r of movedRoutes) {
    try {
      replaceRoute(sock, routeInTable(r, vrf.table));
    } catch (e) {
      throw new CniError(ErrorCode.Internal, `could not add route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} to VRF ${vrf.name} (table ${vrf.table}): ${(e as Error).message}`, undefined, { cause: e });
    }
  }
  return enslaved;
}

async function waitForLocalRoute(sock: NetlinkSocket, port: Link, vrf: VrfDevice, address: string): Promise<void> {
  const dst = `${address}/128`;
  for (const ms of [0, ...LOCAL_ROUTE_WAITS_MS]) {
    if (ms) await new Promise((r) => setTimeout(r, ms));
    if (listRoutes(sock, { family: 6, table: vrf.table }).some((r) => r.dst === dst && r.oif === port.index)) return;
  }
  throw new CniError(ErrorCode.Internal, `the local route of ${dst} on ${port.name} did not appear in VRF table ${vrf.table}`);
}

/**
 * Releases a port from its VRF; with `restore`, its moved routes go back to the main table
 * (the rollback of a failed ADD; a DEL leaves them, as the interface goes next).
 * @throws {NetlinkError}
 */
export function releaseFromVrf(sock: NetlinkSocket, port: EnslavedPort, restore: boolean): void {
  setLink(sock, port.index, { master: null });
  if (!restore) return;
  for (const r of port.movedRoutes) replaceRoute(sock, routeInTable(r, r.table));
}
