import ipvlanJson from '../../schemas/ipvlan.json' with { type: 'json' };
import { type ConfigRequest, CniError, type Dns, ErrorCode, type Result, parsePrevResult } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { IpvlanMode } from '../../lib/link/index.ts';
import type { IpvlanKeys } from './schema.ts';

/** Where the pod's addresses come from: IPAM, or the result of the plugin ipvlan is chained after. */
export type AddressSource = { readonly ipamType: string } | { readonly prevResult: Result };

/** The ipvlan plugin's configuration, normalised: defaults applied, the chained case resolved. */
export interface IpvlanConfig {
  readonly network: string;
  /** undefined: the default route's interface. */
  readonly master: string | undefined;
  readonly mode: IpvlanMode;
  /** undefined: the master's. */
  readonly mtu: number | undefined;
  readonly linkInContainer: boolean;
  /** undefined when the config has no ipam.type. */
  readonly ipamType: string | undefined;
  readonly addresses: AddressSource;
  readonly dns: Dns | undefined;
}

function normaliseDns(raw: IpvlanKeys['dns']): Dns | undefined {
  const out: Dns = {};
  if (raw?.nameservers?.length) out.nameservers = raw.nameservers;
  if (raw?.domain) out.domain = raw.domain;
  if (raw?.search?.length) out.search = raw.search;
  if (raw?.options?.length) out.options = raw.options;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Parses the network configuration with the reference's chaining rules: without `master`, a
 * prevResult names it by its one interface; without ipam.type, prevResult's addresses are used.
 * @throws CniError code 7 naming the key and value of the first invalid field, or the missing
 *   address source.
 */
export function parseIpvlanConfig(req: ConfigRequest): IpvlanConfig {
  const c = checkConfig<IpvlanKeys>(ipvlanJson, req.config);
  const prev = parsePrevResult(req.config);
  let master = c.master || undefined;
  // CHECK's prevResult is the chain's result including ipvlan's own interface: it names no master
  if (!master && prev && req.command === 'ADD') {
    const ifs = prev.interfaces ?? [];
    const only = ifs.length === 1 ? ifs[0]?.name : undefined;
    if (!only) {
      throw new CniError(
        ErrorCode.InvalidConfig,
        'chained master failure: prevResult lacks a single named interface',
        `without "master", ipvlan chained after another plugin takes that plugin's one interface as master; prevResult has ${ifs.length}`,
      );
    }
    master = only;
  }
  const ipamType = c.ipam?.type || undefined;
  let addresses: AddressSource;
  if (ipamType) addresses = { ipamType };
  else if (prev?.ips?.length) addresses = { prevResult: prev };
  else if (req.command !== 'ADD') addresses = { prevResult: prev ?? { cniVersion: '1.1.0' } };
  else {
    throw new CniError(ErrorCode.InvalidConfig, 'invalid ipam.type ""', 'expected the name of an IPAM plugin such as "host-local", or ipvlan chained after a plugin whose result has addresses');
  }
  return {
    network: req.config.name,
    master,
    mode: c.mode || 'l2',
    mtu: c.mtu || undefined,
    linkInContainer: c.linkInContainer ?? false,
    ipamType,
    addresses,
    dns: normaliseDns(c.dns),
  };
}

/** DEL's, GC's and STATUS's configuration: only the IPAM type, so that a DEL never fails on the rest. */
export function parseIpamType(req: ConfigRequest): string | undefined {
  const ipam = req.config.ipam;
  if (typeof ipam !== 'object' || ipam === null) return undefined;
  const type = (ipam as Record<string, unknown>).type;
  return typeof type === 'string' && type !== '' ? type : undefined;
}
