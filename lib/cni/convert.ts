import { CniError, ErrorCode } from './errors.ts';
import type { AnyResult, Dns, Interface, Ip020, IpConfig040, Result, Result020, Result040, Route } from './types.ts';

/** The three struct families results come in; versions in one family share a shape. */
export type ResultFamily = '020' | '040' | '100';

/** Which family a version belongs to, or undefined for an unknown version. */
export function familyOf(version: string): ResultFamily | undefined {
  switch (version) {
    case '0.1.0':
    case '0.2.0':
      return '020';
    case '0.3.0':
    case '0.3.1':
    case '0.4.0':
      return '040';
    case '1.0.0':
    case '1.1.0':
      return '100';
    default:
      return undefined;
  }
}

function isV6(address: string): boolean {
  return address.includes(':');
}

function copyDns(dns: Dns | undefined): Dns | undefined {
  if (!dns) return undefined;
  const out: Dns = {};
  if (dns.nameservers?.length) out.nameservers = [...dns.nameservers];
  if (dns.domain) out.domain = dns.domain;
  if (dns.search?.length) out.search = [...dns.search];
  if (dns.options?.length) out.options = [...dns.options];
  return Object.keys(out).length ? out : undefined;
}

function withDns<T extends { dns?: Dns }>(target: T, dns: Dns | undefined): T {
  const d = copyDns(dns);
  if (d) target.dns = d;
  return target;
}

/** 0.3/0.4 interfaces keep name, mac and sandbox only. */
function oldInterface(i: Interface): Interface {
  const out: Interface = { name: i.name };
  if (i.mac) out.mac = i.mac;
  if (i.sandbox) out.sandbox = i.sandbox;
  return out;
}

function copyRoute(r: Route): Route {
  return { ...r };
}

function from020To040(r: Result020, to: string): Result040 {
  const out: Result040 = { cniVersion: to };
  const ips: IpConfig040[] = [];
  const routes: Route[] = [];
  for (const [version, block] of [['4', r.ip4], ['6', r.ip6]] as const) {
    if (!block) continue;
    const ip: IpConfig040 = { version, address: block.ip };
    if (block.gateway) ip.gateway = block.gateway;
    ips.push(ip);
    for (const route of block.routes ?? []) routes.push(route.gw ? { dst: route.dst, gw: route.gw } : { dst: route.dst });
  }
  if (ips.length) out.ips = ips;
  if (routes.length) out.routes = routes;
  return withDns(out, r.dns);
}

function from040To020(r: Result040, to: string): Result020 {
  const out: Result020 = { cniVersion: to };
  for (const ip of r.ips ?? []) {
    const key = ip.version === '6' ? 'ip6' : 'ip4';
    if (out[key]) continue; // only the first address of each family survives
    const block: Ip020 = { ip: ip.address };
    if (ip.gateway) block.gateway = ip.gateway;
    out[key] = block;
  }
  if (!out.ip4 && !out.ip6) {
    throw new CniError(ErrorCode.Internal, 'cannot convert: no valid IP addresses');
  }
  for (const route of r.routes ?? []) {
    const block = isV6(route.dst) ? out.ip6 : out.ip4;
    if (!block) continue;
    (block.routes ??= []).push(route.gw ? { dst: route.dst, gw: route.gw } : { dst: route.dst });
  }
  return withDns(out, r.dns);
}

function from040To100(r: Result040, to: string): Result {
  const out: Result = { cniVersion: to };
  if (r.interfaces?.length) out.interfaces = r.interfaces.map(oldInterface);
  if (r.ips?.length) {
    out.ips = r.ips.map(({ version: _v, ...rest }) => ({ ...rest }));
  }
  if (r.routes?.length) out.routes = r.routes.map(copyRoute);
  return withDns(out, r.dns);
}

function from100To040(r: Result, to: string): Result040 {
  const out: Result040 = { cniVersion: to };
  if (r.interfaces?.length) out.interfaces = r.interfaces.map(oldInterface);
  if (r.ips?.length) {
    out.ips = r.ips.map((ip) => ({ ...ip, version: isV6(ip.address) ? '6' : '4' }) as IpConfig040);
  }
  // Go keeps the 1.1 route extras here: they still serialise in the old struct.
  if (r.routes?.length) out.routes = r.routes.map(copyRoute);
  return withDns(out, r.dns);
}

/** Within the 0.3/0.4 family or the 1.x family the shape stays: a deep copy under the new version. */
function sameFamily<T extends Result | Result040>(r: T, to: string): T {
  const out = { cniVersion: to } as T;
  if (r.interfaces?.length) out.interfaces = r.interfaces.map((i) => ({ ...i }));
  if (r.ips?.length) out.ips = r.ips.map((i) => ({ ...i })) as NonNullable<T['ips']>;
  if (r.routes?.length) out.routes = r.routes.map(copyRoute);
  return withDns(out, r.dns);
}

function from020To020(r: Result020, to: string): Result020 {
  const out: Result020 = { cniVersion: to };
  for (const key of ['ip4', 'ip6'] as const) {
    const b = r[key];
    if (!b) continue;
    const block: Ip020 = { ip: b.ip };
    if (b.gateway) block.gateway = b.gateway;
    if (b.routes?.length) block.routes = b.routes.map((x) => ({ ...x }));
    out[key] = block;
  }
  return withDns(out, r.dns);
}

/**
 * Converts a result between spec versions exactly as Go's pkg/types converters do
 * (cni-protocol.md 6.2). The source version is the result's own `cniVersion`; an empty one
 * counts as `assumeVersion`.
 * @throws CniError when no converter exists or 0.2.0 would carry no address.
 */
export function convertResult(result: AnyResult, to: string, assumeVersion?: string): AnyResult {
  const fromVersion = result.cniVersion || assumeVersion || '1.1.0';
  const from = familyOf(fromVersion);
  const target = familyOf(to);
  if (!from || !target) {
    throw new CniError(ErrorCode.IncompatibleVersion, `no converter for CNI result version ${fromVersion} to ${to}`);
  }
  switch (`${from}>${target}`) {
    case '020>020':
      return from020To020(result as Result020, to);
    case '020>040':
      return from020To040(result as Result020, to);
    case '020>100':
      return from040To100(from020To040(result as Result020, '0.4.0'), to);
    case '040>020':
      return from040To020(result as Result040, to);
    case '040>040':
      return sameFamily(result as Result040, to);
    case '040>100':
      return from040To100(result as Result040, to);
    case '100>020':
      return from040To020(from100To040(result as Result, '0.4.0'), to);
    case '100>040':
      return from100To040(result as Result, to);
    default:
      return sameFamily(result as Result, to);
  }
}

/** Converts any result to the 1.1.0 form plugins work with internally. */
export function toCurrentResult(result: AnyResult, assumeVersion?: string): Result {
  return convertResult(result, '1.1.0', assumeVersion) as Result;
}
