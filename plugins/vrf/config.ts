import vrfJson from '../../schemas/vrf.json' with { type: 'json' };
import { type AttachmentRequest, CniError, type ConfigRequest, ErrorCode, type Result, requirePrevResult as requirePrevResultOf } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import { RESERVED_TABLES } from '../../lib/link/index.ts';
import type { VrfKeys } from './schema.ts';

/** What one invocation of vrf asks for. */
export interface VrfConfig {
  readonly vrfname: string;
  /** undefined: a new VRF takes the lowest free table; an existing one keeps its own. */
  readonly table: number | undefined;
}

/** A Linux interface name: 1-15 bytes, no '/', ':' or whitespace, not '.' or '..'. */
const IFNAME = /^[^/:\s]{1,15}$/;

function checkVrfName(name: unknown): string {
  if (typeof name !== 'string' || !IFNAME.test(name) || name === '.' || name === '..') {
    throw new CniError(ErrorCode.InvalidConfig, `invalid vrfname ${JSON.stringify(name ?? '')}`, 'expected a network interface name for the VRF (1-15 characters, no "/", ":" or spaces), such as "blue"');
  }
  return name;
}

/**
 * Parses the configuration.
 * @throws CniError code 7 naming the key: a vrfname that cannot name a link, a table the
 *   kernel keeps for itself (253 default, 254 main, 255 local: the reference passes these on
 *   and the VRF would take over the pod's main routing).
 */
export function parseVrfConfig(req: ConfigRequest): VrfConfig {
  const c = checkConfig<VrfKeys>(vrfJson, req.config);
  const vrfname = checkVrfName(c.vrfname);
  const table = c.table || undefined;
  if (table !== undefined && RESERVED_TABLES.includes(table)) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid table ${table}`, 'tables 253 (default), 254 (main) and 255 (local) are the kernel\'s own: choose another, or omit table to take a free one');
  }
  return { vrfname, table };
}

/**
 * DEL's configuration: only the VRF's name. A key ADD refused (a reserved table) must not make
 * the DEL fail as well: a runtime would retry it for ever.
 * @throws CniError code 7 when vrfname is missing or cannot name a link.
 */
export function parseVrfName(req: ConfigRequest): string {
  return checkVrfName(req.config.vrfname);
}

/**
 * The interface plugin's result, passed through.
 * @throws CniError code 7 when vrf is not chained after one (the reference's wording).
 */
export function requirePrevResult(req: AttachmentRequest): Result {
  return requirePrevResultOf(req.config, { msg: 'missing prevResult from earlier plugin', details: 'vrf needs prevResult: put it after an interface plugin (bridge, macvlan, ...) in a conflist' });
}
