import { CniError, ErrorCode } from './errors.ts';

// Config keys are checked by each plugin's schema (schema.ts); this is the one value that
// also arrives outside the config (CNI_ARGS MAC=) and so is checked on its own.

const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;

/**
 * A MAC address, normalised to lowercase with colons.
 * @throws CniError code 7 naming where it came from.
 */
export function parseMac(value: string, source: string): string {
  if (!MAC.test(value)) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid ${source} ${JSON.stringify(value)}`, 'expected a MAC address such as "0a:58:0a:01:00:05"');
  }
  return value.toLowerCase().replaceAll('-', ':');
}
