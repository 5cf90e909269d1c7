// An independent reading of the result format per spec version (cni-protocol.md 6.1): lists
// every way a printed result differs from the shape its `cniVersion` requires.
import { isIP } from 'node:net';
import { resultFamily, type SpecVersion } from './versions.ts';

/** Options of {@link resultProblems}. */
export interface ShapeOptions {
  /** An IPAM plugin's abbreviated result: no `interfaces`, no `ips[].interface`. */
  ipam?: boolean;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 4 or 6 for a valid `ip/prefix`, else 0. */
export function cidrFamily(v: unknown): 0 | 4 | 6 {
  if (typeof v !== 'string') return 0;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  if (!m) return 0;
  const fam = isIP(m[1] as string);
  const len = Number(m[2]);
  if (fam === 4 && len <= 32) return 4;
  if (fam === 6 && len <= 128) return 6;
  return 0;
}

/** 4 or 6 for a plain IP address, else 0. */
export function ipFamily(v: unknown): 0 | 4 | 6 {
  return typeof v === 'string' ? (isIP(v) as 0 | 4 | 6) : 0;
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function unexpectedKeys(o: Obj, allowed: readonly string[], where: string, out: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) out.push(`${where}: unexpected key "${k}"`);
}

function checkRoute(r: unknown, where: string, extras: boolean, out: string[]): void {
  if (!isObj(r)) return void out.push(`${where}: not an object`);
  if (cidrFamily(r.dst) === 0) out.push(`${where}.dst: not a CIDR (${JSON.stringify(r.dst)})`);
  if (r.gw !== undefined && ipFamily(r.gw) === 0) out.push(`${where}.gw: not an IP (${JSON.stringify(r.gw)})`);
  if (r.gw !== undefined && cidrFamily(r.dst) !== 0 && ipFamily(r.gw) !== cidrFamily(r.dst)) out.push(`${where}: gw family differs from dst`);
  const allowed = extras ? ['dst', 'gw', 'mtu', 'advmss', 'priority', 'table', 'scope'] : ['dst', 'gw'];
  unexpectedKeys(r, allowed, where, out);
  for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope']) {
    if (r[k] !== undefined && !Number.isInteger(r[k])) out.push(`${where}.${k}: not an integer`);
  }
}

function checkDns(d: unknown, out: string[]): void {
  if (!isObj(d)) return void out.push('dns: not an object');
  unexpectedKeys(d, ['nameservers', 'domain', 'search', 'options'], 'dns', out);
  for (const k of ['nameservers', 'search', 'options']) {
    const v = d[k];
    if (v !== undefined && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) out.push(`dns.${k}: not a list of strings`);
  }
  if (d.domain !== undefined && typeof d.domain !== 'string') out.push('dns.domain: not a string');
}

function checkLegacy(r: Obj, out: string[]): void {
  unexpectedKeys(r, ['cniVersion', 'ip4', 'ip6', 'dns'], 'result', out);
  if (r.ip4 === undefined && r.ip6 === undefined) out.push('result: neither ip4 nor ip6 (0.1.0/0.2.0 results need at least one)');
  for (const [key, fam] of [['ip4', 4], ['ip6', 6]] as const) {
    const ipc = r[key];
    if (ipc === undefined) continue;
    if (!isObj(ipc)) {
      out.push(`${key}: not an object`);
      continue;
    }
    unexpectedKeys(ipc, ['ip', 'gateway', 'routes'], key, out);
    if (cidrFamily(ipc.ip) !== fam) out.push(`${key}.ip: not an IPv${fam} CIDR (${JSON.stringify(ipc.ip)})`);
    if (ipc.gateway !== undefined && ipFamily(ipc.gateway) !== fam) out.push(`${key}.gateway: not an IPv${fam} address`);
    if (ipc.routes !== undefined) {
      if (!Array.isArray(ipc.routes)) out.push(`${key}.routes: not a list`);
      else ipc.routes.forEach((rt, i) => checkRoute(rt, `${key}.routes[${i}]`, false, out));
    }
  }
}

function checkModern(r: Obj, family: '040' | '100' | '110', opts: ShapeOptions, out: string[]): void {
  unexpectedKeys(r, ['cniVersion', 'interfaces', 'ips', 'routes', 'dns'], 'result', out);
  const ifaceKeys = family === '110' ? ['name', 'mac', 'sandbox', 'mtu', 'socketPath', 'pciID'] : ['name', 'mac', 'sandbox'];
  let ifaceCount = 0;
  if (r.interfaces !== undefined) {
    if (!Array.isArray(r.interfaces)) out.push('interfaces: not a list');
    else {
      ifaceCount = r.interfaces.length;
      if (opts.ipam && r.interfaces.length > 0) out.push('interfaces: an IPAM result must not list interfaces');
      r.interfaces.forEach((it: unknown, i) => {
        const w = `interfaces[${i}]`;
        if (!isObj(it)) return void out.push(`${w}: not an object`);
        unexpectedKeys(it, ifaceKeys, w, out);
        if (typeof it.name !== 'string' || it.name === '') out.push(`${w}.name: missing`);
        if (it.mac !== undefined && !(typeof it.mac === 'string' && MAC.test(it.mac))) out.push(`${w}.mac: not a MAC (${JSON.stringify(it.mac)})`);
        if (it.sandbox !== undefined && typeof it.sandbox !== 'string') out.push(`${w}.sandbox: not a string`);
        if (it.mtu !== undefined && !Number.isInteger(it.mtu)) out.push(`${w}.mtu: not an integer`);
      });
    }
  }
  if (r.ips !== undefined) {
    if (!Array.isArray(r.ips)) out.push('ips: not a list');
    else
      r.ips.forEach((ip: unknown, i) => {
        const w = `ips[${i}]`;
        if (!isObj(ip)) return void out.push(`${w}: not an object`);
        const fam = cidrFamily(ip.address);
        if (fam === 0) out.push(`${w}.address: not a CIDR (${JSON.stringify(ip.address)})`);
        if (ip.gateway !== undefined && ipFamily(ip.gateway) !== fam) out.push(`${w}.gateway: not an address of the same family`);
        if (family === '040') {
          unexpectedKeys(ip, ['version', 'address', 'gateway', 'interface'], w, out);
          if (ip.version !== '4' && ip.version !== '6') out.push(`${w}.version: must be "4" or "6" in 0.3.x/0.4.0 (got ${JSON.stringify(ip.version)})`);
          else if (fam !== 0 && ip.version !== String(fam)) out.push(`${w}.version: "${ip.version}" but the address is IPv${fam}`);
        } else {
          unexpectedKeys(ip, ['address', 'gateway', 'interface'], w, out);
        }
        if (ip.interface !== undefined) {
          if (opts.ipam) out.push(`${w}.interface: an IPAM result must not set interface indexes`);
          else if (!Number.isInteger(ip.interface) || (ip.interface as number) < 0 || (ip.interface as number) >= ifaceCount) {
            out.push(`${w}.interface: ${JSON.stringify(ip.interface)} is not an index into interfaces (${ifaceCount})`);
          }
        }
      });
  }
  if (r.routes !== undefined) {
    if (!Array.isArray(r.routes)) out.push('routes: not a list');
    else r.routes.forEach((rt, i) => checkRoute(rt, `routes[${i}]`, true, out));
  }
}

/**
 * Every way `value` deviates from the result shape of `version`; empty when it conforms.
 * 0.1.0/0.2.0 need `ip4`/`ip6`; 0.3.x/0.4.0 need `ips[].version`; 1.x must not have it.
 */
export function resultProblems(value: unknown, version: SpecVersion, opts: ShapeOptions = {}): string[] {
  const out: string[] = [];
  if (!isObj(value)) return ['result: not a JSON object'];
  if (value.cniVersion !== version) out.push(`cniVersion: ${JSON.stringify(value.cniVersion)}, expected "${version}" (the config version)`);
  const family = resultFamily(version);
  if (family === 'legacy') checkLegacy(value, out);
  else checkModern(value, family, opts, out);
  if (value.dns !== undefined) checkDns(value.dns, out);
  return out;
}

/** The container-side addresses of a result in any version, as `ip/prefix` strings. */
export function resultAddresses(value: unknown): string[] {
  if (!isObj(value)) return [];
  const out: string[] = [];
  for (const key of ['ip4', 'ip6']) {
    const ipc = value[key];
    if (isObj(ipc) && typeof ipc.ip === 'string') out.push(ipc.ip);
  }
  if (Array.isArray(value.ips)) for (const ip of value.ips) if (isObj(ip) && typeof ip.address === 'string') out.push(ip.address);
  return out;
}
