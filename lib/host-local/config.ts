import { AddrError, type Ip, cidrToString, ipToString, parseCidr, parseIp, unmapIPv4 } from '../addr/index.ts';
import { type CniArgs, CniError, ErrorCode, type NetConf, type Route, compareVersions, invalidConfig } from '../cni/index.ts';
import { canonicalizeRange } from './range.ts';
import { type RangeSet, canonicalizeRangeSet, rangeSetFamily, rangeSetToString, rangeSetsOverlap } from './range-set.ts';

/** Where the Go plugin keeps its state when `ipam.dataDir` is not set. */
export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';

/** Where a network's reservations live: `<dataDir>/<network>/`. */
export interface StoreLocation {
  readonly network: string;
  readonly dataDir: string;
}

/** The validated, normalised host-local configuration of one request. */
export interface HostLocalConfig extends StoreLocation {
  readonly cniVersion: string;
  readonly resolvConf: string | undefined;
  readonly routes: readonly Route[];
  /** ipRanges capability first, then the legacy single range, then `ipam.ranges`. */
  readonly rangeSets: readonly RangeSet[];
  /** Union of CNI_ARGS IP, args.cni.ips and runtimeConfig.ips, without duplicates. */
  readonly requestedIps: readonly Ip[];
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ipamOf(config: NetConf): Obj {
  const ipam = config.ipam;
  if (ipam === undefined || ipam === null) throw new CniError(ErrorCode.InvalidConfig, 'IPAM config missing "ipam" key');
  if (!isObject(ipam)) throw invalidConfig('ipam', ipam, 'it must be an object');
  return ipam;
}

function optionalString(obj: Obj, field: string, key: string): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalidConfig(key, v, 'it must be a string');
  if (v.includes('\0')) throw invalidConfig(key, v, 'it must not contain NUL');
  return v;
}

/**
 * The network name becomes a directory under dataDir, so nothing that could leave it is
 * accepted (skel's name pattern already rules these out; this guards the file system).
 */
function checkNetworkDirName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\0]/.test(name) || Buffer.byteLength(name) > 255) {
    throw invalidConfig('name', name, 'it is used as a directory name and must be 1-255 bytes without "/" or NUL, not "." or ".."');
  }
}

/**
 * Reads only what locating the store needs (DEL and GC must work even when the ranges of a
 * config no longer validate).
 * @throws CniError code 7.
 */
export function parseStoreLocation(config: NetConf): StoreLocation {
  checkNetworkDirName(config.name);
  const ipam = ipamOf(config);
  return { network: config.name, dataDir: optionalString(ipam, 'dataDir', 'ipam.dataDir') ?? DEFAULT_DATA_DIR };
}

function parseRoutes(raw: unknown): Route[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidConfig('ipam.routes', raw, 'it must be an array of {"dst", "gw"}');
  return raw.map((r, i) => {
    const key = `ipam.routes[${i}]`;
    if (!isObject(r)) throw invalidConfig(key, r, 'a route must be an object with a "dst"');
    let route: Route;
    try {
      if (typeof r.dst !== 'string') throw invalidConfig(`${key}.dst`, r.dst, 'it must be a CIDR string');
      route = { dst: cidrToString(parseCidr(r.dst)) };
      if (r.gw !== undefined && r.gw !== null && r.gw !== '') {
        if (typeof r.gw !== 'string') throw invalidConfig(`${key}.gw`, r.gw, 'it must be an IP address string');
        route.gw = ipToString(parseIp(r.gw));
      }
    } catch (e) {
      if (e instanceof AddrError) throw invalidConfig(key, r, e.message);
      throw e;
    }
    for (const extra of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) {
      const v = r[extra];
      if (v === undefined || v === null) continue;
      if (!Number.isInteger(v)) throw invalidConfig(`${key}.${extra}`, v, 'it must be an integer');
      route[extra] = v as number;
    }
    return route;
  });
}

/** One requested address; any "/prefix" is ignored, as the Go plugin does. */
function requestedIp(text: unknown, key: string, code: number): Ip {
  if (typeof text !== 'string') throw new CniError(code, `invalid ${key} ${JSON.stringify(text)}`, 'it must be an IP address string');
  const slash = text.indexOf('/');
  try {
    return unmapIPv4(parseIp(slash < 0 ? text : text.slice(0, slash)));
  } catch (e) {
    throw new CniError(code, `invalid ${key} ${JSON.stringify(text)}`, (e as Error).message);
  }
}

function listOf(raw: unknown, key: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidConfig(key, raw, 'it must be an array of IP address strings');
  return raw;
}

function parseRequestedIps(config: NetConf, args: CniArgs | undefined): Ip[] {
  const found = new Map<string, Ip>();
  const add = (ip: Ip): void => void found.set(ipToString(ip), ip);
  for (const part of (args?.get('IP') ?? '').split(',')) {
    if (part.trim() !== '') add(requestedIp(part.trim(), 'CNI_ARGS IP', ErrorCode.InvalidEnvironment));
  }
  const cniArgs = isObject(config.args) && isObject(config.args.cni) ? config.args.cni : {};
  listOf(cniArgs.ips, 'args.cni.ips').forEach((v, i) => add(requestedIp(v, `args.cni.ips[${i}]`, ErrorCode.InvalidConfig)));
  const runtime = isObject(config.runtimeConfig) ? config.runtimeConfig : {};
  listOf(runtime.ips, 'runtimeConfig.ips').forEach((v, i) => add(requestedIp(v, `runtimeConfig.ips[${i}]`, ErrorCode.InvalidConfig)));
  return [...found.values()];
}

interface KeyedSet {
  readonly key: string;
  readonly set: RangeSet;
}

function collectRangeSets(config: NetConf, ipam: Obj): KeyedSet[] {
  const sets: KeyedSet[] = [];
  const runtime = isObject(config.runtimeConfig) ? config.runtimeConfig : {};
  const ipRanges = runtime.ipRanges;
  if (ipRanges !== undefined && ipRanges !== null) {
    if (!Array.isArray(ipRanges)) throw invalidConfig('runtimeConfig.ipRanges', ipRanges, 'it must be an array of range sets');
    ipRanges.forEach((raw, i) => sets.push({ key: `runtimeConfig.ipRanges[${i}]`, set: canonicalizeRangeSet(raw, `runtimeConfig.ipRanges[${i}]`) }));
  }
  if (ipam.subnet !== undefined && ipam.subnet !== null) sets.push({ key: 'ipam.subnet', set: [canonicalizeRange(ipam, 'ipam')] });
  const ranges = ipam.ranges;
  if (ranges !== undefined && ranges !== null) {
    if (!Array.isArray(ranges)) throw invalidConfig('ipam.ranges', ranges, 'it must be an array of range sets');
    ranges.forEach((raw, i) => sets.push({ key: `ipam.ranges[${i}]`, set: canonicalizeRangeSet(raw, `ipam.ranges[${i}]`) }));
  }
  return sets;
}

function checkRangeSets(sets: readonly KeyedSet[], cniVersion: string): void {
  if (sets.length === 0) {
    throw new CniError(ErrorCode.InvalidConfig, 'no IP ranges specified', 'set ipam.ranges, ipam.subnet or the ipRanges capability');
  }
  const v4 = sets.filter((s) => rangeSetFamily(s.set) === 4).length;
  if ((v4 > 1 || sets.length - v4 > 1) && compareVersions(cniVersion, '0.3.0') < 0) {
    throw new CniError(ErrorCode.InvalidConfig, `CNI version ${cniVersion} does not support more than 1 address per family`);
  }
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      const a = sets[i] as KeyedSet;
      const b = sets[j] as KeyedSet;
      if (rangeSetsOverlap(a.set, b.set)) {
        throw new CniError(
          ErrorCode.InvalidConfig,
          `invalid range sets: ${a.key} (${rangeSetToString(a.set)}) overlaps with ${b.key} (${rangeSetToString(b.set)})`,
        );
      }
    }
  }
}

/**
 * Validates and normalises the whole request config for ADD, CHECK and STATUS, reporting
 * every config problem as code 7 naming the key and the value.
 * @throws CniError code 7 (code 4 for a bad CNI_ARGS IP).
 */
export function parseConfig(config: NetConf, cniVersion: string, args?: CniArgs): HostLocalConfig {
  const location = parseStoreLocation(config);
  const ipam = ipamOf(config);
  const sets = collectRangeSets(config, ipam);
  checkRangeSets(sets, cniVersion);
  return {
    ...location,
    cniVersion,
    resolvConf: optionalString(ipam, 'resolvConf', 'ipam.resolvConf'),
    routes: parseRoutes(ipam.routes),
    rangeSets: sets.map((s) => s.set),
    requestedIps: parseRequestedIps(config, args),
  };
}
