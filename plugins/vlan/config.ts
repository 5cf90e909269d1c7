import vlanJson from '../../schemas/vlan.json' with { type: 'json' };
import { type ConfigRequest, CniError, type Dns, ErrorCode } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { VlanKeys } from './schema.ts';

/** The vlan plugin's configuration, normalised: defaults applied. */
export interface VlanConfig {
  readonly network: string;
  readonly master: string;
  readonly vlanId: number;
  /** undefined: the master's MTU. */
  readonly mtu: number | undefined;
  readonly linkInContainer: boolean;
  /** The IPAM plugin's type: always set, vlan has no L2-only mode (as the reference). */
  readonly ipamType: string;
  /** A DNS override: replaces what IPAM returned when any field is set. */
  readonly dns: Dns | undefined;
}

/** The smallest MTU the kernel accepts on an Ethernet-like link (ETH_MIN_MTU). */
const MIN_MTU = 68;

/** A Linux interface name: 1-15 bytes, no '/', ':' or whitespace, not '.' or '..'. */
const IFNAME = /^[^/:\s]{1,15}$/;

function normaliseDns(raw: VlanKeys['dns']): Dns | undefined {
  const out: Dns = {};
  if (raw?.nameservers?.length) out.nameservers = raw.nameservers;
  if (raw?.domain) out.domain = raw.domain;
  if (raw?.search?.length) out.search = raw.search;
  if (raw?.options?.length) out.options = raw.options;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Parses the network configuration (the master's existence and MTU are the kernel's to tell:
 * see masterProblem in plan.ts).
 * @throws CniError code 7 naming the key and value of the first invalid field.
 */
export function parseVlanConfig(req: ConfigRequest): VlanConfig {
  const c = checkConfig<VlanKeys>(vlanJson, req.config);
  if (!IFNAME.test(c.master) || c.master === '.' || c.master === '..') {
    throw new CniError(ErrorCode.InvalidConfig, `invalid master ${JSON.stringify(c.master)}`, 'expected the name of a network interface (1-15 characters, no "/", ":" or spaces), such as "eth1"');
  }
  const ipamType = c.ipam.type;
  if (!ipamType) {
    // the reference fails later with "no plugin name provided" (plugins#987)
    throw new CniError(ErrorCode.InvalidConfig, 'invalid ipam.type ""', 'expected the name of an IPAM plugin such as "host-local": vlan needs addresses from IPAM');
  }
  const mtu = c.mtu || undefined;
  if (mtu !== undefined && mtu < MIN_MTU) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid mtu ${mtu}`, `expected 0 (the master's MTU) or an integer from ${MIN_MTU} up to the master's MTU`);
  }
  return {
    network: req.config.name,
    master: c.master,
    vlanId: c.vlanId ?? 0,
    mtu,
    linkInContainer: c.linkInContainer ?? false,
    ipamType,
    dns: normaliseDns(c.dns),
  };
}
