import { isAbsolute } from 'node:path';
import hostLocalJson from '../../schemas/host-local.json' with { type: 'json' };
import { AddrError, type Ip, cidrToString, ipToString, parseCidr, parseIp, unmapIPv4 } from '../addr/index.ts';
import { type CniArgs, CniError, ErrorCode, type NetConf, type Route, compareVersions, invalidConfig } from '../cni/index.ts';
import { type Schema, checkConfig, invalidValue } from '../cni/json-schema.ts';
import { canonicalizeRange, gatewaysOutside } from './range.ts';
import { type RangeSet, canonicalizeRangeSet, rangeSetFamily, rangeSetToString, rangeSetsOverlap } from './range-set.ts';
import type { HostLocalIpamKeys, HostLocalRequestKeys } from './schema.ts';

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
  /** What was accepted as Go accepts it but looks like a mistake: lines for stderr on ADD. */
  readonly warnings: readonly string[];
}

/** Only what locating the store needs (see parseStoreLocation). */
const storeLocationJson = { type: 'object', properties: { dataDir: hostLocalJson.properties.dataDir } };

type HostLocalConf = HostLocalRequestKeys & { readonly ipam: HostLocalIpamKeys };

/**
 * NUL cannot be passed to the kernel, and JSON Schema cannot say so (see schema.ts). A relative
 * path would be resolved against whatever directory the runtime started the plugin in, so
 * ADD and DEL could each find a different store: refused (Go accepts it).
 */
function checkPath(value: string | undefined, key: string, schema: Schema): void {
  if (value?.includes('\0')) throw invalidValue(key, value, schema);
  if (value && !isAbsolute(value)) throw invalidConfig(key, value, 'it must be an absolute path (a relative one depends on the directory the runtime runs the plugin in)');
}

function checkIpamPresent(config: NetConf): void {
  if (config.ipam === undefined || config.ipam === null) throw new CniError(ErrorCode.InvalidConfig, 'IPAM config missing "ipam" key');
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
  checkIpamPresent(config);
  const ipam = checkConfig<Pick<HostLocalIpamKeys, 'dataDir'>>(storeLocationJson, config.ipam, 'ipam');
  checkPath(ipam.dataDir, 'ipam.dataDir', hostLocalJson.properties.dataDir);
  return { network: config.name, dataDir: ipam.dataDir || DEFAULT_DATA_DIR };
}

function parseRoutes(raw: HostLocalConf['ipam']['routes']): Route[] {
  return (raw ?? []).map((r, i) => {
    const key = `ipam.routes[${i}]`;
    let route: Route;
    try {
      route = { dst: cidrToString(parseCidr(r.dst)) };
      if (r.gw) route.gw = ipToString(parseIp(r.gw));
    } catch (e) {
      if (e instanceof AddrError) throw invalidConfig(key, r, e.message);
      throw e;
    }
    for (const extra of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) {
      const v = r[extra];
      if (v !== undefined) route[extra] = v;
    }
    return route;
  });
}

/**
 * One requested address; a "/prefix" is ignored, as the Go plugin does, but it must be a
 * prefix length of the address's family: "10.1.0.6/99" is a mistake, not a request.
 */
function requestedIp(text: unknown, key: string, code: number): Ip {
  if (typeof text !== 'string') throw new CniError(code, `invalid ${key} ${JSON.stringify(text)}`, 'it must be an IP address string');
  try {
    return unmapIPv4(text.includes('/') ? parseCidr(text).ip : parseIp(text));
  } catch (e) {
    throw new CniError(code, `invalid ${key} ${JSON.stringify(text)}`, (e as Error).message);
  }
}

function parseRequestedIps(config: HostLocalConf, args: CniArgs | undefined): Ip[] {
  const found = new Map<string, Ip>();
  const add = (ip: Ip): void => void found.set(ipToString(ip), ip);
  for (const part of (args?.get('IP') ?? '').split(',')) {
    if (part.trim() !== '') add(requestedIp(part.trim(), 'CNI_ARGS IP', ErrorCode.InvalidEnvironment));
  }
  (config.args?.cni?.ips ?? []).forEach((v, i) => add(requestedIp(v, `args.cni.ips[${i}]`, ErrorCode.InvalidConfig)));
  (config.runtimeConfig?.ips ?? []).forEach((v, i) => add(requestedIp(v, `runtimeConfig.ips[${i}]`, ErrorCode.InvalidConfig)));
  return [...found.values()];
}

interface KeyedSet {
  readonly key: string;
  readonly set: RangeSet;
}

function collectRangeSets(config: HostLocalConf): KeyedSet[] {
  const sets: KeyedSet[] = [];
  (config.runtimeConfig?.ipRanges ?? []).forEach((raw, i) => sets.push({ key: `runtimeConfig.ipRanges[${i}]`, set: canonicalizeRangeSet(raw, `runtimeConfig.ipRanges[${i}]`) }));
  const { ipam } = config;
  if (ipam.subnet !== undefined) sets.push({ key: 'ipam.subnet', set: [canonicalizeRange({ ...ipam, subnet: ipam.subnet }, 'ipam')] });
  (ipam.ranges ?? []).forEach((raw, i) => sets.push({ key: `ipam.ranges[${i}]`, set: canonicalizeRangeSet(raw, `ipam.ranges[${i}]`) }));
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
  const ipam = checkConfig<HostLocalIpamKeys>(hostLocalJson, config.ipam, 'ipam');
  checkPath(ipam.resolvConf, 'ipam.resolvConf', hostLocalJson.properties.resolvConf);
  const conf: HostLocalConf = { ...checkConfig<HostLocalRequestKeys>(hostLocalJson.$defs.request, config), ipam };
  const sets = collectRangeSets(conf);
  checkRangeSets(sets, cniVersion);
  return {
    ...location,
    cniVersion,
    resolvConf: conf.ipam.resolvConf || undefined,
    routes: parseRoutes(conf.ipam.routes),
    rangeSets: sets.map((s) => s.set),
    requestedIps: parseRequestedIps(conf, args),
    warnings: gatewaysOutside(sets.flatMap((s) => s.set)),
  };
}
