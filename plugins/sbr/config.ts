import sbrJson from '../../schemas/sbr.json' with { type: 'json' };
import { type AttachmentRequest, CniError, type ConfigRequest, ErrorCode, type Result, requirePrevResult } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import type { SbrKeys } from './schema.ts';

/** What one invocation of sbr asks for. */
export interface SbrConfig {
  /** The table every rule looks up; undefined: pick free tables and move the interface's routes. */
  readonly table: number | undefined;
}

/**
 * Tables the kernel keeps for itself: 253 "default", 254 "main", 255 "local". A "from <address>
 * lookup main" rule would route nothing differently, and moving nothing there is what
 * source-based routing is for.
 */
const RESERVED_TABLES: ReadonlyMap<number, string> = new Map([
  [253, 'default'],
  [254, 'main'],
  [255, 'local'],
]);

/**
 * Parses the network configuration.
 * @throws CniError code 7 naming the key and value (table out of range or reserved).
 */
export function parseSbrConfig(req: ConfigRequest): SbrConfig {
  const c = checkConfig<SbrKeys>(sbrJson, req.config);
  const reserved = c.table === undefined ? undefined : RESERVED_TABLES.get(c.table);
  if (reserved !== undefined) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid table ${c.table}`, `table ${c.table} is the kernel's "${reserved}" table: expected an integer from 1 to 4294967295 other than 253, 254 and 255`);
  }
  return { table: c.table };
}

/**
 * DEL's configuration: a table ADD would have refused cannot have rules of ours, so DEL then
 * looks at every rule (matched by the interface's addresses) instead of failing: a runtime
 * retries a failed DEL for ever.
 */
export function parseSbrConfigForDel(req: ConfigRequest): SbrConfig {
  try {
    return parseSbrConfig(req);
  } catch {
    return { table: undefined };
  }
}

/**
 * The interface plugin's result that ADD and CHECK work on.
 * @throws CniError code 7 when sbr is not chained after one (Go's message).
 */
export function requireSbrPrevResult(req: AttachmentRequest): Result {
  return requirePrevResult(req.config, {
    msg: 'This plugin must be called as chained plugin',
    details: 'sbr needs prevResult: put it after an interface plugin such as ptp or bridge in a conflist',
  });
}
