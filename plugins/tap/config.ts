import tapJson from '../../schemas/tap.json' with { type: 'json' };
import { type AttachmentRequest, type ConfigRequest, CniError, type Dns, ErrorCode, parseMac, validateIpamType } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { TapKeys } from './schema.ts';

/** The tap plugin's configuration, normalised: defaults applied, the MAC's precedence resolved. */
export interface TapConfig {
  readonly network: string;
  readonly multiQueue: boolean;
  /** undefined: the kernel's default. */
  readonly mtu: number | undefined;
  /** Lowercase colon form; undefined: the kernel's random one. */
  readonly mac: string | undefined;
  readonly owner: number | undefined;
  readonly group: number | undefined;
  /** Accepted, never applied (see README). */
  readonly selinuxContext: string | undefined;
  readonly bridge: string | undefined;
  /** undefined: no IPAM, the tap is L2 only. */
  readonly ipamType: string | undefined;
  /** Copied to the result when any field is set. */
  readonly dns: Dns | undefined;
}

/** The smallest MTU the kernel accepts on a tap (ETH_MIN_MTU). */
const MIN_MTU = 68;

/** A MAC from `source`, normalised; a multicast or all-zero MAC cannot be a device's. */
function unicastMac(value: string, source: string): string {
  const mac = parseMac(value, source);
  if ((Number.parseInt(mac.slice(0, 2), 16) & 1) !== 0 || mac === '00:00:00:00:00:00') {
    throw new CniError(ErrorCode.InvalidConfig, `invalid ${source} ${JSON.stringify(value)}`, 'expected a unicast MAC address: the lowest bit of the first octet clear, and not all zero');
  }
  return mac;
}

function normaliseDns(raw: TapKeys['dns']): Dns | undefined {
  const out: Dns = {};
  if (raw?.nameservers?.length) out.nameservers = raw.nameservers;
  if (raw?.domain) out.domain = raw.domain;
  if (raw?.search?.length) out.search = raw.search;
  if (raw?.options?.length) out.options = raw.options;
  return Object.keys(out).length ? out : undefined;
}

/** ipam.type, checked; undefined when absent or "" (the reference's L2-only mode). */
function ipamTypeOf(ipam: TapKeys['ipam']): string | undefined {
  const type = ipam?.type;
  if (!type) return undefined;
  validateIpamType(type);
  return type;
}

/**
 * Parses the configuration with the reference's MAC precedence: the config's `mac`, then
 * CNI_ARGS MAC, then runtimeConfig.mac (the mac capability). Every MAC given is checked, not
 * only the winner, so a bad value is reported wherever it is.
 * @throws CniError code 7 naming the key and value of the first invalid field.
 */
export function parseTapConfig(req: AttachmentRequest | ConfigRequest): TapConfig {
  const c = checkConfig<TapKeys>(tapJson, req.config);
  const mtu = c.mtu || undefined;
  if (mtu !== undefined && mtu < MIN_MTU) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid mtu ${mtu}`, `expected 0 (the kernel default) or an integer from ${MIN_MTU} to 65535`);
  }
  let mac = c.mac ? unicastMac(c.mac, 'mac') : undefined;
  const argMac = 'args' in req ? req.args.get('MAC') : undefined;
  if (argMac) mac = unicastMac(argMac, 'CNI_ARGS MAC');
  if (c.runtimeConfig?.mac) mac = unicastMac(c.runtimeConfig.mac, 'runtimeConfig.mac');
  if (c.bridge !== undefined && c.bridge !== '' && (Buffer.byteLength(c.bridge) > 15 || /[\s/:]/.test(c.bridge) || c.bridge === '.' || c.bridge === '..')) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid bridge ${JSON.stringify(c.bridge)}`, 'expected an interface name: at most 15 bytes, no "/", ":" or whitespace');
  }
  return {
    network: req.config.name,
    multiQueue: c.multiQueue ?? false,
    mtu,
    mac,
    owner: c.owner,
    group: c.group,
    selinuxContext: c.selinuxContext || undefined,
    bridge: c.bridge || undefined,
    ipamType: ipamTypeOf(c.ipam),
    dns: normaliseDns(c.dns),
  };
}

/**
 * DEL's configuration: only the IPAM plugin to release through. Nothing else of the
 * configuration matters to a DEL, and a key ADD refused must not make the DEL fail as well
 * (a runtime would retry it for ever).
 * @throws CniError code 7 for an ipam.type that is not a plugin name.
 */
export function parseTapIpamType(req: ConfigRequest): string | undefined {
  const ipam = req.config.ipam;
  if (typeof ipam !== 'object' || ipam === null || Array.isArray(ipam)) return undefined;
  const type = (ipam as { type?: unknown }).type;
  if (type === undefined || type === null || type === '') return undefined;
  if (typeof type !== 'string') throw new CniError(ErrorCode.InvalidConfig, `invalid ipam.type ${JSON.stringify(type)}`, 'expected the name of an IPAM plugin');
  validateIpamType(type);
  return type;
}
