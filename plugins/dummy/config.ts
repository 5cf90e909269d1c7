import dummyJson from '../../schemas/dummy.json' with { type: 'json' };
import { type ConfigRequest, CniError, ErrorCode, validateIpamType } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { DummyKeys } from './schema.ts';

/** The dummy plugin's configuration: only the IPAM plugin it needs. */
export interface DummyConfig {
  readonly ipamType: string;
}

/**
 * Parses the configuration. IPAM is required, as in the reference ("dummy interface requires
 * an IPAM configuration"): refused here with code 7 rather than at run time.
 * @throws CniError code 7 naming the key and value.
 */
export function parseDummyConfig(req: ConfigRequest): DummyConfig {
  const c = checkConfig<DummyKeys>(dummyJson, req.config);
  if (!c.ipam.type) {
    throw new CniError(ErrorCode.InvalidConfig, 'invalid ipam.type ""', 'expected the name of an IPAM plugin such as "host-local": a dummy interface requires an IPAM configuration');
  }
  validateIpamType(c.ipam.type);
  return { ipamType: c.ipam.type };
}
