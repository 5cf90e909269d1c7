import { AddrError, parseCidr, parseIp } from '../addr/index.ts';
import { convertResult, familyOf, type ResultFamily } from './convert.ts';
import { CniError, ErrorCode } from './errors.ts';
import type { AnyResult, Result } from './types.ts';
import { configVersion } from './version.ts';

// prevResult is checked whole before any plugin compares it with the kernel or acts on it: a
// malformed one used to surface late and misnamed (bridge CHECK reported a MAC mismatch, portmap
// a 999 from an address without a prefix). Two codes, as the spec means them:
//  6 (cannot decode): a value that would not decode into the result types, as Go's decoder
//    fails on it: a wrong JSON type, an address, gateway or route that is not an IP or CIDR;
//  7 (invalid config): it decodes but cannot be right: a result of another version family than
//    the config (the runtime must convert it, as libcni does), keys of another family's shape,
//    an `interface` index outside `interfaces`, a MAC that is not one.

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const undecodable = (key: string, value: unknown, why: string): CniError =>
  new CniError(ErrorCode.DecodeFailure, `cannot decode prevResult: ${key} ${JSON.stringify(value)}`, why);
const invalid = (key: string, value: unknown, why: string): CniError =>
  new CniError(ErrorCode.InvalidConfig, `invalid prevResult: ${key} ${JSON.stringify(value)}`, why);

/** Runs an address parser, turning its AddrError into code 6 naming the key. */
function address(key: string, value: unknown, parse: (text: string) => unknown, what: string): void {
  if (typeof value !== 'string') throw undecodable(key, value, `expected ${what} string`);
  try {
    parse(value);
  } catch (e) {
    if (e instanceof AddrError) throw undecodable(key, value, e.message);
    throw e;
  }
}
const cidr = (key: string, v: unknown) => address(key, v, parseCidr, 'a CIDR ("10.1.0.5/16")');
const ip = (key: string, v: unknown) => address(key, v, parseIp, 'an IP address');

function optional(o: Json, name: string, check: (key: string, v: unknown) => void, key: string): void {
  if (o[name] !== undefined && o[name] !== null) check(`${key}.${name}`, o[name]);
}
function str(key: string, v: unknown): void {
  if (typeof v !== 'string') throw undecodable(key, v, 'expected a string');
}
function int(key: string, v: unknown): void {
  if (!Number.isInteger(v)) throw undecodable(key, v, 'expected an integer');
}
function strings(key: string, v: unknown): void {
  if (!Array.isArray(v)) throw undecodable(key, v, 'expected an array of strings');
  v.forEach((s, i) => str(`${key}[${i}]`, s));
}
/** The elements of an optional array key, each required to be an object. */
function objects(o: Json, name: string): Json[] {
  const v = o[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw undecodable(`prevResult.${name}`, v, 'expected an array');
  v.forEach((e, i) => {
    if (!isObject(e)) throw undecodable(`prevResult.${name}[${i}]`, e, 'expected a JSON object');
  });
  return v as Json[];
}

const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

function checkDns(p: Json): void {
  const dns = p.dns;
  if (dns === undefined || dns === null) return;
  if (!isObject(dns)) throw undecodable('prevResult.dns', dns, 'expected a JSON object');
  for (const name of ['nameservers', 'search', 'options']) optional(dns, name, strings, 'prevResult.dns');
  optional(dns, 'domain', str, 'prevResult.dns');
}

function checkRoute(r: Json, key: string, extras: boolean): void {
  cidr(`${key}.dst`, r.dst);
  optional(r, 'gw', ip, key);
  if (extras) for (const name of ['mtu', 'advmss', 'priority', 'table', 'scope']) optional(r, name, int, key);
}

/** The 0.3.x/0.4.0 and 1.x shape: interfaces, ips and routes arrays. */
function checkCurrentShape(p: Json, family: ResultFamily): void {
  for (const old of ['ip4', 'ip6']) {
    if (p[old] !== undefined && p[old] !== null) throw invalid(`prevResult.${old}`, p[old], `a ${family === '100' ? '1.x' : '0.3/0.4'} result has "ips", not the 0.1/0.2 "ip4"/"ip6": the runtime must give prevResult in the config's version`);
  }
  const interfaces = objects(p, 'interfaces');
  interfaces.forEach((i, n) => {
    const key = `prevResult.interfaces[${n}]`;
    str(`${key}.name`, i.name);
    optional(i, 'sandbox', str, key);
    optional(i, 'mac', str, key);
    if (typeof i.mac === 'string' && i.mac !== '' && !MAC.test(i.mac)) throw invalid(`${key}.mac`, i.mac, 'expected a MAC address such as "0a:58:0a:01:00:05"');
  });
  objects(p, 'ips').forEach((a, n) => {
    const key = `prevResult.ips[${n}]`;
    cidr(`${key}.address`, a.address);
    optional(a, 'gateway', ip, key);
    if (a.interface !== undefined && a.interface !== null) {
      int(`${key}.interface`, a.interface);
      const index = a.interface as number;
      if (index < 0 || index >= interfaces.length) {
        throw invalid(`${key}.interface`, index, `it must index prevResult.interfaces, which has ${interfaces.length} entr${interfaces.length === 1 ? 'y' : 'ies'}`);
      }
    }
    if (family === '040' && a.version !== undefined && a.version !== '4' && a.version !== '6') throw undecodable(`${key}.version`, a.version, 'expected "4" or "6"');
  });
  objects(p, 'routes').forEach((r, n) => checkRoute(r, `prevResult.routes[${n}]`, true));
}

/** The 0.1.0/0.2.0 shape: one ip4 and one ip6 block. */
function checkOldShape(p: Json): void {
  for (const current of ['interfaces', 'ips', 'routes']) {
    if (p[current] !== undefined && p[current] !== null) throw invalid(`prevResult.${current}`, p[current], 'a 0.1/0.2 result has "ip4"/"ip6", not the later "interfaces", "ips" and "routes": the runtime must give prevResult in the config\'s version');
  }
  for (const name of ['ip4', 'ip6']) {
    const b = p[name];
    if (b === undefined || b === null) continue;
    const key = `prevResult.${name}`;
    if (!isObject(b)) throw undecodable(key, b, 'expected a JSON object');
    cidr(`${key}.ip`, b.ip);
    optional(b, 'gateway', ip, key);
    const routes = b.routes;
    if (routes === undefined || routes === null) continue;
    if (!Array.isArray(routes)) throw undecodable(`${key}.routes`, routes, 'expected an array');
    routes.forEach((r, n) => {
      if (!isObject(r)) throw undecodable(`${key}.routes[${n}]`, r, 'expected a JSON object');
      checkRoute(r, `${key}.routes[${n}]`, false);
    });
  }
}

/**
 * Reads `prevResult` from a parsed config, checks all of it, and converts it to 1.1.0. A
 * prevResult without a cniVersion is taken to be in the config's version, as Go does; one of
 * another version family than the config is refused, as Go's decoder refuses it.
 * @throws CniError code 6 when it does not decode, 7 when it decodes but is invalid, 1 for an
 *   unknown version.
 */
export function parsePrevResult(config: Record<string, unknown>): Result | undefined {
  const prev = config.prevResult;
  if (prev === undefined || prev === null) return undefined;
  if (!isObject(prev)) throw new CniError(ErrorCode.DecodeFailure, 'prevResult must be a JSON object');
  if (prev.cniVersion !== undefined && typeof prev.cniVersion !== 'string') {
    throw new CniError(ErrorCode.DecodeFailure, 'prevResult.cniVersion must be a string');
  }
  const confVersion = configVersion(config.cniVersion);
  const version = (prev.cniVersion as string | undefined) || confVersion;
  const family = familyOf(version);
  if (!family) throw new CniError(ErrorCode.IncompatibleVersion, `no converter for CNI result version ${version} to 1.1.0`);
  const confFamily = familyOf(confVersion);
  if (confFamily && family !== confFamily) {
    throw invalid('prevResult.cniVersion', version, `the config is ${confVersion}, and a prevResult must be in the config's version family (the runtime converts it, as libcni does)`);
  }
  if (family === '020') checkOldShape(prev);
  else checkCurrentShape(prev, family);
  checkDns(prev);
  const cleaned: Json = { ...prev, cniVersion: version };
  for (const key of ['interfaces', 'ips', 'routes'] as const) if (cleaned[key] === null) delete cleaned[key]; // null counts as absent, as Go reads it
  return convertResult(cleaned as unknown as AnyResult, '1.1.0') as Result;
}

/**
 * prevResult for a chained plugin's ADD or CHECK, which cannot work without one.
 * @throws CniError code 7 with the plugin's own message (Go's wording) when it is absent,
 *   and whatever {@link parsePrevResult} throws.
 */
export function requirePrevResult(config: Record<string, unknown>, missing: { readonly msg: string; readonly details: string }): Result {
  const prev = parsePrevResult(config);
  if (!prev) throw new CniError(ErrorCode.InvalidConfig, missing.msg, missing.details);
  return prev;
}

/** prevResult if it is there and readable, else undefined: a DEL must clean up even after a broken one. */
export function readablePrevResult(config: Record<string, unknown>): Result | undefined {
  try {
    return parsePrevResult(config);
  } catch {
    return undefined;
  }
}
