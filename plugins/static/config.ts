import staticJson from '../../schemas/static.json' with { type: 'json' };
import { AddrError, type Cidr, type Ip, bitLength, cidrContains, cidrToString, ipToString, isIPv4Mapped, parseCidr, parseIp, unmapIPv4 } from '../../lib/addr/index.ts';
import { type CniArgs, CniError, type Dns, ErrorCode, type NetConf, type Route, compareVersions } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { StaticIpamKeys, StaticRequestKeys } from './schema.ts';

// static's inputs, with the Go plugin's precedence (v1.9.1 plugins/ipam/static): the
// configured `ipam.addresses`, plus CNI_ARGS IP (whose GATEWAY applies to them); replaced whole
// by `args.cni.ips` when that is non-empty; replaced whole by `runtimeConfig.ips` (the `ips`
// capability) when that is non-empty. Every source is checked, also one that is overridden: a
// mistake in a config does not become right because a runtime happened to pass other addresses.

/** One address of the result. `key` names where it came from, for messages. */
export interface StaticAddress {
  readonly cidr: Cidr;
  readonly gateway: Ip | undefined;
  readonly key: string;
}

/** A validated, normalised request. */
export interface StaticConfig {
  readonly addresses: readonly StaticAddress[];
  readonly routes: readonly Route[];
  readonly dns: Dns;
}

type StaticConf = StaticRequestKeys & { readonly ipam: StaticIpamKeys };

/** Where a problem came from: config and request keys are code 7, CNI_ARGS code 4. */
const CONFIG = ErrorCode.InvalidConfig;
const ENV = ErrorCode.InvalidEnvironment;

function problem(code: number, key: string, value: unknown, why: string): CniError {
  return new CniError(code, `invalid ${key} ${JSON.stringify(value)}`, why);
}

/**
 * "address/prefix", the prefix required (a bare address is a mistake here: nothing else says
 * which subnet the interface is on). An IPv4-mapped IPv6 address is read as IPv4, as Go's
 * canonicalisation does, its prefix counted in the IPv4 part.
 */
export function parseStaticCidr(text: string, key: string, code: number): Cidr {
  let cidr: Cidr;
  try {
    cidr = parseCidr(text);
  } catch (e) {
    if (e instanceof AddrError) throw problem(code, key, text, `${e.message}; expected an address with its prefix length, such as "10.1.0.5/24"`);
    throw e;
  }
  if (!isIPv4Mapped(cidr.ip)) return cidr;
  const v4Bits = 128 - bitLength(4);
  // Go prints a mapped address with a shorter prefix as "a.b.c.d/0": never what was meant
  if (cidr.prefix < v4Bits) throw problem(code, key, text, `an IPv4-mapped address needs a prefix of ${v4Bits}-128`);
  return { ip: unmapIPv4(cidr.ip), prefix: cidr.prefix - v4Bits };
}

function parseGateway(text: string, key: string, code: number): Ip {
  try {
    return unmapIPv4(parseIp(text));
  } catch (e) {
    if (e instanceof AddrError) throw problem(code, key, text, e.message);
    throw e;
  }
}

function configuredAddresses(raw: StaticIpamKeys['addresses']): StaticAddress[] {
  return (raw ?? []).map((a, i) => {
    const key = `ipam.addresses[${i}]`;
    const cidr = parseStaticCidr(a.address, `${key}.address`, CONFIG);
    // "" is Go's zero value: no gateway
    const gateway = a.gateway ? parseGateway(a.gateway, `${key}.gateway`, CONFIG) : undefined;
    if (gateway && gateway.family !== cidr.ip.family) {
      throw problem(CONFIG, `${key}.gateway`, a.gateway, `an IPv${gateway.family} gateway for the IPv${cidr.ip.family} address ${a.address}`);
    }
    return { cidr, gateway, key };
  });
}

/** The comma-separated items of a CNI_ARGS value; empty items (a trailing comma) are skipped. */
function items(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * CNI_ARGS IP and GATEWAY. Each gateway goes to every CNI_ARGS address whose subnet holds it
 * (a later one wins), and only to those: the configured addresses carry their own gateways,
 * as in Go.
 */
function argsAddresses(args: CniArgs | undefined): StaticAddress[] {
  const cidrs = items(args?.get('IP')).map((text) => parseStaticCidr(text, 'CNI_ARGS IP', ENV));
  const gateways = items(args?.get('GATEWAY')).map((text) => parseGateway(text, 'CNI_ARGS GATEWAY', ENV));
  return cidrs.map((cidr) => ({ cidr, gateway: gateways.findLast((gw) => cidrContains(cidr, gw)), key: 'CNI_ARGS IP' }));
}

function listedAddresses(list: readonly string[] | undefined, key: string): StaticAddress[] {
  return (list ?? []).map((text, i) => ({ cidr: parseStaticCidr(text, `${key}[${i}]`, CONFIG), gateway: undefined, key: `${key}[${i}]` }));
}

function checkAddressCount(addresses: readonly StaticAddress[], cniVersion: string): void {
  if (addresses.length === 0) {
    throw new CniError(
      CONFIG,
      'no addresses for static IPAM',
      'set ipam.addresses, CNI_ARGS IP, args.cni.ips or runtimeConfig.ips (the ips capability); the interface plugin needs at least one',
    );
  }
  const v4 = addresses.filter((a) => a.cidr.ip.family === 4).length;
  if ((v4 > 1 || addresses.length - v4 > 1) && compareVersions(cniVersion, '0.3.0') < 0) {
    throw new CniError(CONFIG, `CNI version ${cniVersion} does not support more than 1 address per family`, 'use cniVersion 0.3.0 or later');
  }
}

function parseRoutes(raw: StaticIpamKeys['routes']): Route[] {
  return (raw ?? []).map((r, i) => {
    const key = `ipam.routes[${i}]`;
    const route: Route = { dst: cidrToString(parseStaticCidr(r.dst, `${key}.dst`, CONFIG)) };
    if (r.gw) route.gw = ipToString(parseGateway(r.gw, `${key}.gw`, CONFIG));
    // Go omits a zero mtu, advmss or priority from the result; table and scope 0 are values
    for (const extra of ['mtu', 'advmss', 'priority'] as const) if (r[extra]) route[extra] = r[extra];
    for (const extra of ['table', 'scope'] as const) if (r[extra] !== undefined) route[extra] = r[extra];
    return route;
  });
}

/** The DNS settings with Go's empty fields left out; `{}` when there are none (Go returns it so). */
function parseDns(raw: StaticIpamKeys['dns']): Dns {
  const out: Dns = {};
  if (raw?.nameservers?.length) out.nameservers = raw.nameservers;
  if (raw?.domain) out.domain = raw.domain;
  if (raw?.search?.length) out.search = raw.search;
  if (raw?.options?.length) out.options = raw.options;
  return out;
}

/**
 * Validates and normalises a request for ADD and CHECK.
 * @throws CniError code 7 naming the key and value (code 4 for CNI_ARGS IP and GATEWAY).
 */
export function parseStaticConfig(config: NetConf, cniVersion: string, args?: CniArgs): StaticConfig {
  if (config.ipam === undefined || config.ipam === null) throw new CniError(CONFIG, 'IPAM config missing "ipam" key');
  const ipam = checkConfig<StaticIpamKeys>(staticJson, config.ipam, 'ipam');
  const conf: StaticConf = { ...checkConfig<StaticRequestKeys>(staticJson.$defs.request, config), ipam };
  const configured = [...configuredAddresses(ipam.addresses), ...argsAddresses(args)];
  const fromArgs = listedAddresses(conf.args?.cni?.ips, 'args.cni.ips');
  const fromRuntime = listedAddresses(conf.runtimeConfig?.ips, 'runtimeConfig.ips');
  const addresses = fromRuntime.length ? fromRuntime : fromArgs.length ? fromArgs : configured;
  checkAddressCount(addresses, cniVersion);
  return { addresses, routes: parseRoutes(ipam.routes), dns: parseDns(ipam.dns) };
}
