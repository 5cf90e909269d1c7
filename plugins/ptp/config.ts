import ptpJson from '../../schemas/ptp.json' with { type: 'json' };
import { type ConfigRequest, CniError, type Dns, ErrorCode } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { PtpKeys } from './schema.ts';

/** The ptp plugin's configuration, normalised: defaults applied. */
export interface PtpConfig {
  readonly network: string;
  readonly ipMasq: boolean;
  readonly ipMasqBackend: 'iptables' | 'nftables' | undefined;
  /** undefined: the kernel's default. */
  readonly mtu: number | undefined;
  /** The IPAM plugin's type: always set, ptp has no L2-only mode. */
  readonly ipamType: string;
  /** A DNS override: replaces what IPAM returned when any field is set. */
  readonly dns: Dns | undefined;
}

/** The smallest MTU the kernel accepts on an Ethernet-like link (ETH_MIN_MTU). */
const MIN_MTU = 68;

function normaliseDns(raw: PtpKeys['dns']): Dns | undefined {
  const out: Dns = {};
  if (raw?.nameservers?.length) out.nameservers = raw.nameservers;
  if (raw?.domain) out.domain = raw.domain;
  if (raw?.search?.length) out.search = raw.search;
  if (raw?.options?.length) out.options = raw.options;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Parses the network configuration.
 * @throws CniError code 7 naming the key and value of the first invalid field.
 */
export function parsePtpConfig(req: ConfigRequest): PtpConfig {
  const c = checkConfig<PtpKeys>(ptpJson, req.config);
  const ipamType = c.ipam.type;
  if (!ipamType) {
    // the reference fails later with "no plugin name provided" (plugins#987)
    throw new CniError(ErrorCode.InvalidConfig, 'invalid ipam.type ""', 'expected the name of an IPAM plugin such as "host-local": ptp needs addresses from IPAM');
  }
  const mtu = c.mtu || undefined;
  if (mtu !== undefined && mtu < MIN_MTU) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid mtu ${mtu}`, `expected 0 (the kernel default) or an integer from ${MIN_MTU} to 65535`);
  }
  return {
    network: req.config.name,
    ipMasq: c.ipMasq ?? false,
    ipMasqBackend: c.ipMasqBackend || undefined,
    mtu,
    ipamType,
    dns: normaliseDns(c.dns),
  };
}
