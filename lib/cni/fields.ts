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

/**
 * A MAC an interface can have, normalised: multicast (lowest bit of the first octet set) and
 * all-zero addresses are refused.
 * @throws CniError code 7 naming where it came from.
 */
export function parseUnicastMac(value: string, source: string): string {
  const mac = parseMac(value, source);
  const first = Number.parseInt(mac.slice(0, 2), 16);
  if ((first & 1) !== 0 || mac === '00:00:00:00:00:00') {
    throw new CniError(ErrorCode.InvalidConfig, `invalid ${source} ${JSON.stringify(value)}`, 'expected a unicast MAC address: the lowest bit of the first octet clear, and not all zero');
  }
  return mac;
}
