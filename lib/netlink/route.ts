import { type Cidr, type Family, bitLength, ipToBytes, parseCidr, parseIp } from '../addr/index.ts';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  RTA_DST,
  RTA_GATEWAY,
  RTA_METRICS,
  RTA_OIF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_TABLE,
  RTAX_ADVMSS,
  RTAX_MTU,
  RTM_DELROUTE,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTN_UNICAST,
  RTN_UNSPEC,
  RTNH_F_ONLINK,
  RTPROT_BOOT,
  RTPROT_UNSPEC,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RT_TABLE_UNSPEC,
} from './constants.ts';
import { isNetlinkError } from './errors.ts';
import type { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, nestedAttr, readU32, u32Attr } from './wire.ts';
import { decodeRtMsg, encodeRtMsg, RTMSG_LEN } from './headers.ts';
import { readAddressAttr } from './ip-attr.ts';
import type { Attr, NlMessage } from './wire.ts';

/** A route to add or delete. */
export interface RouteSpec {
  /** Destination prefix: '10.0.0.0/8', '2001:db8::/64', '0.0.0.0/0' or '::/0' for default. */
  readonly dst: string;
  readonly gateway?: string;
  /** Output ifindex. */
  readonly oif?: number;
  /** Metric (RTA_PRIORITY). */
  readonly priority?: number;
  /** @default RT_TABLE_MAIN (254) */
  readonly table?: number;
  /**
   * RT_SCOPE_* value. Defaults as `ip route add`: link scope for a route without gateway,
   * universe otherwise. On delete, omitted means "any scope".
   */
  readonly scope?: number;
  /** Preferred source address (RTA_PREFSRC). */
  readonly src?: string;
  /** RTA_METRICS/RTAX_MTU. */
  readonly mtu?: number;
  /** RTA_METRICS/RTAX_ADVMSS. */
  readonly advmss?: number;
  /** RTNH_F_ONLINK: the gateway is on-link even if no prefix covers it. */
  readonly onlink?: boolean;
  /** RTN_* route type. @default RTN_UNICAST */
  readonly type?: number;
  /** RTPROT_* (who installed it). @default RTPROT_BOOT, as `ip route add` */
  readonly protocol?: number;
}

/** A route as RTM_NEWROUTE reports it. */
export interface Route {
  readonly family: Family;
  /** Destination prefix; '0.0.0.0/0' or '::/0' for the default route. */
  readonly dst: string;
  readonly gateway: string | undefined;
  readonly oif: number | undefined;
  readonly priority: number | undefined;
  readonly table: number;
  readonly scope: number;
  readonly protocol: number;
  readonly type: number;
  readonly prefsrc: string | undefined;
  readonly mtu: number | undefined;
  readonly advmss: number | undefined;
  /** Raw rtm_flags. */
  readonly flags: number;
}

/** Filters for {@link listRoutes}. */
export interface RouteFilter {
  readonly family?: Family;
  /** Table to list; 'all' lists every table. @default RT_TABLE_MAIN */
  readonly table?: number | 'all';
  readonly oif?: number;
}

/**
 * Adds a route (NLM_F_EXCL).
 * @throws {NetlinkError} code 'EEXIST' when an identical route exists; ENETUNREACH when
 * the gateway is not reachable through any connected prefix.
 */
export function addRoute(sock: NetlinkSocket, spec: RouteSpec): void {
  sock.request({
    type: RTM_NEWROUTE,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    ...encodeRoute(spec, false),
    what: `add route ${describeRoute(spec)}`,
  });
}

/**
 * Adds a route or replaces the one with the same key (destination, table, metric and, for
 * IPv4, TOS), as `ip route replace`.
 * @throws {NetlinkError} ENETUNREACH when the gateway is not reachable through any connected prefix.
 */
export function replaceRoute(sock: NetlinkSocket, spec: RouteSpec): void {
  sock.request({
    type: RTM_NEWROUTE,
    flags: NLM_F_CREATE | NLM_F_REPLACE,
    ...encodeRoute(spec, false),
    what: `replace route ${describeRoute(spec)}`,
  });
}

/**
 * Deletes a route; false when no such route exists (ESRCH / ENOENT).
 * @throws {NetlinkError} for other failures.
 */
export function deleteRoute(sock: NetlinkSocket, spec: RouteSpec): boolean {
  try {
    sock.request({ type: RTM_DELROUTE, ...encodeRoute(spec, true), what: `delete route ${describeRoute(spec)}` });
    return true;
  } catch (err) {
    if (isNetlinkError(err, 'ESRCH', 'ENOENT')) return false;
    throw err;
  }
}

/**
 * Lists routes, by default the main table of both families.
 * @throws {NetlinkError}
 */
export function listRoutes(sock: NetlinkSocket, filter: RouteFilter = {}): Route[] {
  const family = filter.family === undefined ? AF_UNSPEC : filter.family === 4 ? AF_INET : AF_INET6;
  const table = filter.table ?? RT_TABLE_MAIN;
  const messages = sock.dump({ type: RTM_GETROUTE, header: encodeRtMsg({ family }), what: 'list routes' });
  return messages
    .filter((m) => m.type === RTM_NEWROUTE)
    .map(parseRoute)
    .filter((r): r is Route => r !== undefined)
    .filter((r) => (table === 'all' || r.table === table) && (filter.oif === undefined || r.oif === filter.oif));
}

/**
 * Decodes one RTM_NEWROUTE message; undefined for families other than IPv4/IPv6.
 * @throws {RangeError} for a malformed message (see wire.ts)
 */
export function parseRoute(msg: NlMessage): Route | undefined {
  const rt = decodeRtMsg(msg.payload);
  if (rt.family !== AF_INET && rt.family !== AF_INET6) return undefined;
  const family: Family = rt.family === AF_INET ? 4 : 6;
  const attrs = attrMap(msg.payload.subarray(RTMSG_LEN));
  const dst = attrs.get(RTA_DST) ?? Buffer.alloc(family === 4 ? 4 : 16);
  const gateway = attrs.get(RTA_GATEWAY);
  const prefsrc = attrs.get(RTA_PREFSRC);
  const metricsRaw = attrs.get(RTA_METRICS);
  const metrics = metricsRaw === undefined ? undefined : attrMap(metricsRaw);
  return {
    family,
    dst: `${readAddressAttr(dst, family, 'RTA_DST')}/${rt.dstLen}`,
    gateway: gateway === undefined ? undefined : readAddressAttr(gateway, family, 'RTA_GATEWAY'),
    oif: readU32(attrs.get(RTA_OIF)),
    priority: readU32(attrs.get(RTA_PRIORITY)),
    table: readU32(attrs.get(RTA_TABLE)) ?? rt.table,
    scope: rt.scope,
    protocol: rt.protocol,
    type: rt.type,
    prefsrc: prefsrc === undefined ? undefined : readAddressAttr(prefsrc, family, 'RTA_PREFSRC'),
    mtu: readU32(metrics?.get(RTAX_MTU)),
    advmss: readU32(metrics?.get(RTAX_ADVMSS)),
    flags: rt.flags,
  };
}

/** 'addr/len', or a bare address meaning a host route. @throws {AddrError} */
function parseDestination(text: string): Cidr {
  if (text.includes('/')) return parseCidr(text);
  const ip = parseIp(text);
  return { ip, prefix: bitLength(ip.family) };
}

/**
 * Builds the rtmsg header and attributes. For a delete, unset fields are wildcards
 * (scope NOWHERE, type and protocol UNSPEC), matching the kernel's lookup rules.
 */
function encodeRoute(spec: RouteSpec, forDelete: boolean): { header: Buffer; attrs: Attr[] } {
  const dst = parseDestination(spec.dst);
  if (spec.gateway !== undefined && parseIp(spec.gateway).family !== dst.ip.family) {
    throw new TypeError(`route ${spec.dst}: gateway ${spec.gateway} is of another address family`);
  }
  const table = spec.table ?? RT_TABLE_MAIN;
  const attrs: Attr[] = [];
  if (dst.prefix > 0) attrs.push(bytesAttr(RTA_DST, ipToBytes(dst.ip)));
  if (spec.gateway !== undefined) attrs.push(bytesAttr(RTA_GATEWAY, ipToBytes(parseIp(spec.gateway))));
  if (spec.oif !== undefined) attrs.push(u32Attr(RTA_OIF, spec.oif));
  if (spec.priority !== undefined) attrs.push(u32Attr(RTA_PRIORITY, spec.priority));
  if (spec.src !== undefined) attrs.push(bytesAttr(RTA_PREFSRC, ipToBytes(parseIp(spec.src))));
  attrs.push(u32Attr(RTA_TABLE, table));
  const metrics: Attr[] = [];
  if (spec.mtu !== undefined) metrics.push(u32Attr(RTAX_MTU, spec.mtu));
  if (spec.advmss !== undefined) metrics.push(u32Attr(RTAX_ADVMSS, spec.advmss));
  if (metrics.length > 0) attrs.push(nestedAttr(RTA_METRICS, metrics));
  const defaultScope = forDelete ? RT_SCOPE_NOWHERE : spec.gateway === undefined ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  const header = encodeRtMsg({
    family: dst.ip.family === 4 ? AF_INET : AF_INET6,
    dstLen: dst.prefix,
    table: table < 256 ? table : RT_TABLE_UNSPEC,
    protocol: spec.protocol ?? (forDelete ? RTPROT_UNSPEC : RTPROT_BOOT),
    scope: spec.scope ?? defaultScope,
    type: spec.type ?? (forDelete ? RTN_UNSPEC : RTN_UNICAST),
    flags: spec.onlink === true ? RTNH_F_ONLINK : 0,
  });
  return { header, attrs };
}

function describeRoute(spec: RouteSpec): string {
  const via = spec.gateway === undefined ? '' : ` via ${spec.gateway}`;
  const dev = spec.oif === undefined ? '' : ` dev ifindex ${spec.oif}`;
  return `${spec.dst}${via}${dev}`;
}
