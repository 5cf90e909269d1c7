import { bitLength, parseIp } from '../addr/index.ts';
import {
  type NetlinkSocket,
  type Route,
  type RouteSpec,
  type Rule,
  RTNH_F_ONLINK,
  RT_TABLE_MAIN,
  addRoute,
  addRule,
  deleteRoute,
  deleteRule,
  listRoutes,
  listRules,
  replaceRoute,
} from '../netlink/index.ts';
import type { Netns } from '../netns/index.ts';
import { flock } from '../sys/index.ts';

// Source-based routing inside a pod: "from <address> lookup <table>" rules and the routes of
// such tables. Everything goes through a socket opened in the pod's namespace.

/** The rules of both families, optionally only those looking up `table`. */
export function listPolicyRules(sock: NetlinkSocket, table?: number): Rule[] {
  return listRules(sock, table === undefined ? {} : { table });
}

/** The routes of every table, both families: what tells whether a table is in use. */
export function listRoutesOfAllTables(sock: NetlinkSocket): Route[] {
  return listRoutes(sock, { table: 'all' });
}

/** The link's routes in the main table, both families. */
export function listMainRoutesOf(sock: NetlinkSocket, linkIndex: number): Route[] {
  return listRoutes(sock, { oif: linkIndex });
}

/**
 * Adds "from <address>/32 (or /128) lookup <table>", with the kernel's next free preference.
 * @throws {NetlinkError} EEXIST when the same rule exists.
 */
export function addSourceRule(sock: NetlinkSocket, address: string, table: number): void {
  addRule(sock, { src: hostPrefix(address), table });
}

/** Deletes a listed rule (matched by its source, table and preference); false when already gone. */
export function removeRule(sock: NetlinkSocket, rule: Rule): boolean {
  return deleteRule(sock, { ...(rule.src === undefined ? { family: rule.family } : { src: rule.src }), ...(rule.dst === undefined ? {} : { dst: rule.dst }), table: rule.table, priority: rule.priority });
}

/** The address as a one-address prefix: a rule for one source, never its subnet. */
export function hostPrefix(address: string): string {
  const ip = parseIp(address.split('/')[0] as string);
  return `${address.split('/')[0]}/${bitLength(ip.family)}`;
}

/**
 * What re-creates a listed route, in `table`: its destination, gateway, device, metric,
 * scope, protocol, type, preferred source and metrics. Of the flags only "onlink" is kept:
 * the others (linkdown, offload, ...) are the kernel's state, which it refuses in a request.
 */
export function routeSpecOf(route: Route, table: number): RouteSpec {
  return {
    dst: route.dst,
    table,
    scope: route.scope,
    protocol: route.protocol,
    type: route.type,
    ...(route.gateway === undefined ? {} : { gateway: route.gateway }),
    ...(route.oif === undefined ? {} : { oif: route.oif }),
    ...(route.priority === undefined ? {} : { priority: route.priority }),
    ...(route.prefsrc === undefined ? {} : { src: route.prefsrc }),
    ...(route.mtu === undefined ? {} : { mtu: route.mtu }),
    ...(route.advmss === undefined ? {} : { advmss: route.advmss }),
    ...((route.flags & RTNH_F_ONLINK) !== 0 ? { onlink: true } : {}),
  };
}

/**
 * Adds a route to a table (exclusive).
 * @throws {NetlinkError} EEXIST, or ENETUNREACH when the gateway is not on a connected prefix.
 */
export function addTableRoute(sock: NetlinkSocket, spec: RouteSpec): void {
  addRoute(sock, spec);
}

/** Adds or replaces a route in a table (`ip route replace`). @throws {NetlinkError} */
export function putTableRoute(sock: NetlinkSocket, spec: RouteSpec): void {
  replaceRoute(sock, spec);
}

/** Deletes a route; false when it is already gone. @throws {NetlinkError} */
export function removeTableRoute(sock: NetlinkSocket, spec: RouteSpec): boolean {
  return deleteRoute(sock, spec);
}

/** The main table's number, for callers that move routes out of it. */
export const MAIN_TABLE = RT_TABLE_MAIN;

/**
 * Takes an exclusive flock on the namespace's file until the returned function is called:
 * two plugins picking a free table in one pod at the same time would pick the same one. The
 * lock is on the namespace file itself, which is what Go's sbr locks too, so ours and Go's
 * exclude each other.
 * @throws {SysError}
 */
export function lockNamespace(ns: Netns): () => void {
  flock(ns.fd, 'exclusive');
  return () => flock(ns.fd, 'unlock');
}
