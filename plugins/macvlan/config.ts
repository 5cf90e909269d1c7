import macvlanJson from '../../schemas/macvlan.json' with { type: 'json' };
import { type AttachmentRequest, CniError, type ConfigRequest, type Dns, ErrorCode, compareVersions, parseUnicastMac } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { MacvlanMode } from '../../lib/link/index.ts';
import type { MacvlanKeys } from './schema.ts';

/** The macvlan plugin's configuration, normalised: defaults applied, the MAC's sources resolved. */
export interface MacvlanConfig {
  readonly network: string;
  /** undefined: the default route's interface. */
  readonly master: string | undefined;
  readonly mode: MacvlanMode;
  /** undefined: the master's. */
  readonly mtu: number | undefined;
  /** The MAC after Go's precedence (config < CNI_ARGS MAC < runtimeConfig.mac); undefined: the kernel's random one. */
  readonly mac: string | undefined;
  readonly linkInContainer: boolean;
  readonly bcQueueLen: number | undefined;
  /** undefined: no IPAM, an L2-only interface. */
  readonly ipamType: string | undefined;
  readonly dns: Dns | undefined;
}

function normaliseDns(raw: MacvlanKeys['dns']): Dns | undefined {
  const out: Dns = {};
  if (raw?.nameservers?.length) out.nameservers = raw.nameservers;
  if (raw?.domain) out.domain = raw.domain;
  if (raw?.search?.length) out.search = raw.search;
  if (raw?.options?.length) out.options = raw.options;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Parses the network configuration and the MAC arguments (CNI_ARGS MAC, runtimeConfig.mac),
 * each MAC checked to be unicast wherever it came from.
 * @throws CniError code 7 naming the key and value of the first invalid field.
 */
export function parseMacvlanConfig(req: ConfigRequest & Partial<Pick<AttachmentRequest, 'args'>>): MacvlanConfig {
  const c = checkConfig<MacvlanKeys>(macvlanJson, req.config);
  let mac = c.mac ? parseUnicastMac(c.mac, 'mac') : undefined;
  const argMac = req.args?.get('MAC');
  if (argMac) mac = parseUnicastMac(argMac, 'CNI_ARGS MAC');
  if (c.runtimeConfig?.mac) mac = parseUnicastMac(c.runtimeConfig.mac, 'runtimeConfig.mac');
  const ipamType = c.ipam?.type || undefined;
  if (!ipamType && compareVersions(req.cniVersion, '0.3.0') < 0) {
    // refused before the link exists: the reference creates it, then fails converting the result and leaks it
    throw new CniError(ErrorCode.InvalidConfig, 'invalid ipam.type ""', `a CNI ${req.cniVersion} result needs an address: an L2-only macvlan (no IPAM) needs cniVersion 0.3.0 or later`);
  }
  return {
    network: req.config.name,
    master: c.master || undefined,
    mode: c.mode || 'bridge',
    mtu: c.mtu || undefined,
    mac,
    linkInContainer: c.linkInContainer ?? false,
    bcQueueLen: c.bcqueuelen || undefined,
    ipamType,
    dns: normaliseDns(c.dns),
  };
}

/**
 * DEL's configuration: only the IPAM type. A DEL needs neither the master nor a valid MAC
 * (Debian's 1.1.1 failed DEL when the master was gone; 1.9 reads only the IPAM type too).
 */
export function parseIpamType(req: ConfigRequest): string | undefined {
  const ipam = req.config.ipam;
  if (typeof ipam !== 'object' || ipam === null) return undefined;
  const type = (ipam as Record<string, unknown>).type;
  return typeof type === 'string' && type !== '' ? type : undefined;
}
