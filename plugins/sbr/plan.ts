import { type Cidr, bitLength, cidrContains, ipToString, parseCidr, parseIp } from '../../lib/addr/index.ts';
import { CniError, ErrorCode, type Result } from '../../lib/cni/index.ts';
import { MAIN_TABLE, type Route, type RouteSpec, type Rule, routeSpecOf } from '../../lib/link/index.ts';

/** Tables below 100 are left to the administrator, as Go's sbr does. */
export const FIRST_TABLE = 100;

/** One address of the interface that gets its own source rule. */
export interface SourceAddress {
  /** As prevResult gives it: '10.1.0.5/24'. */
  readonly address: string;
  readonly gateway: string | undefined;
}

/** One "from <address>" rule and what its table receives. */
export interface TablePlan {
  readonly table: number;
  /** The rule's source: the address as a one-address prefix ('10.1.0.5/32'). */
  readonly source: string;
  /** A default route via the address's gateway, added first (absent without a gateway, or with a configured table). */
  readonly defaultRoute: RouteSpec | undefined;
  /** The interface's main-table routes that belong to this address, re-created in the table. */
  readonly copies: readonly RouteSpec[];
}

/** Everything an ADD does, in order: the tables, then the removal of the interface's main-table routes. */
export interface SbrPlan {
  readonly tables: readonly TablePlan[];
  /** The interface's main-table routes, removed once every table has its copy. */
  readonly removeFromMain: readonly RouteSpec[];
}

/** What the pod's namespace holds, as far as the plan needs it. */
export interface PodRouting {
  readonly linkIndex: number;
  /** Every rule, both families. */
  readonly rules: readonly Rule[];
  /** Every route of every table, both families. */
  readonly routes: readonly Route[];
  /** The interface's routes in the main table. */
  readonly linkRoutes: readonly Route[];
}

/**
 * The addresses of prevResult that belong to `ifname`, as Go's sbr picks them: an address
 * without an interface index counts as the interface's; one whose index names another
 * interface does not.
 * @throws CniError code 7 when none is left (nothing to route by source).
 */
export function selectAddresses(prev: Result, ifname: string): SourceAddress[] {
  const interfaces = prev.interfaces ?? [];
  const chosen = (prev.ips ?? []).filter((ip) => ip.interface === undefined || interfaces[ip.interface]?.name === ifname);
  if (chosen.length === 0) {
    throw new CniError(ErrorCode.InvalidConfig, `No IP addresses supplied on interface: ${ifname}`, `prevResult has no address of interface "${ifname}" (CNI_IFNAME): sbr routes by the addresses the interface plugin gave it`);
  }
  return chosen.map((ip) => ({ address: ip.address, gateway: ip.gateway }));
}

/** The tables a rule looks up or a route lives in: none of these may be taken. */
export function tablesInUse(rules: readonly Rule[], routes: readonly Route[]): Set<number> {
  return new Set([...rules.map((r) => r.table), ...routes.map((r) => r.table)]);
}

/** The first table from `from` on that is not in `used`. */
export function firstFreeTable(used: ReadonlySet<number>, from: number): number {
  let table = from;
  while (used.has(table)) table++;
  return table;
}

/** The address as a one-address prefix: the rule is for this source only, not its subnet. */
export function sourcePrefix(address: Cidr): string {
  return `${ipToString(address.ip)}/${bitLength(address.ip.family)}`;
}

/**
 * Whether a main-table route of the interface goes with `address`, as Go decides it: its
 * preferred source or its gateway is in the address's subnet, or it has neither (a route of
 * the link itself, such as fe80::/64, which every table receives).
 */
export function routeBelongsTo(route: Route, address: Cidr): boolean {
  if (route.prefsrc === undefined && route.gateway === undefined) return true;
  const within = (ip: string | undefined) => ip !== undefined && cidrContains(address, parseIp(ip));
  return within(route.prefsrc) || within(route.gateway);
}

/**
 * The ADD, as data. With a configured table: one rule per address into it, and the routes are
 * the administrator's. Otherwise, as Go's sbr: each address gets the next free table from 100
 * on, a default route via its gateway there, and a copy of the interface's routes that belong
 * to it; then every route of the interface leaves the main table (also when this interface is
 * the pod's only one: traffic from an address not bound to one of them then has no route).
 */
export function planSbr(addresses: readonly SourceAddress[], pod: PodRouting, table: number | undefined): SbrPlan {
  if (table !== undefined) {
    return { tables: addresses.map((a) => ({ table, source: sourcePrefix(parseCidr(a.address)), defaultRoute: undefined, copies: [] })), removeFromMain: [] };
  }
  const used = tablesInUse(pod.rules, pod.routes);
  const tables: TablePlan[] = [];
  let next = FIRST_TABLE;
  for (const a of addresses) {
    const t = firstFreeTable(used, next);
    used.add(t);
    next = t + 1;
    const address = parseCidr(a.address);
    const defaultRoute: RouteSpec | undefined =
      a.gateway === undefined ? undefined : { dst: address.ip.family === 4 ? '0.0.0.0/0' : '::/0', gateway: a.gateway, oif: pod.linkIndex, table: t };
    const copies = pod.linkRoutes.filter((r) => routeBelongsTo(r, address)).map((r) => routeSpecOf(r, t));
    tables.push({ table: t, source: sourcePrefix(address), defaultRoute, copies });
  }
  return { tables, removeFromMain: pod.linkRoutes.map((r) => routeSpecOf(r, MAIN_TABLE)) };
}

/** An address in one spelling ('2001:db8::5'), whatever prefix or zeros it was written with. */
export function canonicalIp(text: string): string {
  return ipToString(parseIp(text.split('/')[0] as string));
}

/**
 * DEL's rules: those whose source is one of the interface's addresses (as Go matches them, by
 * address whatever the prefix length), of the configured table when there is one.
 */
export function rulesToRemove(rules: readonly Rule[], addresses: ReadonlySet<string>, table: number | undefined): Rule[] {
  return rules.filter((r) => r.src !== undefined && addresses.has(canonicalIp(r.src)) && (table === undefined || r.table === table));
}

/**
 * What CHECK finds missing for one address: its rule and, when sbr chose the table and the
 * address has a gateway, the table's default route via that gateway through the interface.
 * undefined when all is there.
 */
export function missingFor(a: SourceAddress, pod: PodRouting, table: number | undefined): string | undefined {
  const source = sourcePrefix(parseCidr(a.address));
  const rule = pod.rules.find((r) => r.src === source && (table === undefined || r.table === table));
  if (!rule) return `no rule "from ${source}${table === undefined ? '' : ` lookup ${table}`}"`;
  if (table !== undefined || a.gateway === undefined) return undefined;
  const gateway = canonicalIp(a.gateway);
  const found = pod.routes.some((r) => r.table === rule.table && r.dst.endsWith('/0') && r.gateway !== undefined && canonicalIp(r.gateway) === gateway && r.oif === pod.linkIndex);
  return found ? undefined : `table ${rule.table} (rule "from ${source}") has no default route via ${a.gateway}`;
}
