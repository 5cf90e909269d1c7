import {
  AddrError,
  type Cidr,
  type Ip,
  bitLength,
  cidrContains,
  cidrToString,
  compareIps,
  ipToString,
  isIPv4Mapped,
  isNetworkAddress,
  lastAddress,
  networkAddress,
  nextIp,
  parseCidr,
  parseIp,
  unmapIPv4,
} from '../addr/index.ts';
import { invalidConfig } from '../cni/index.ts';

/**
 * One pool of addresses: a subnet and the inclusive span [rangeStart, rangeEnd] inside it
 * that may be handed out, minus the gateway.
 */
export interface Range {
  readonly subnet: Cidr;
  readonly rangeStart: Ip;
  readonly rangeEnd: Ip;
  readonly gateway: Ip;
}

/** A range as configured (its shape checked by the ipam schema in config.ts). */
export interface RangeConf {
  readonly subnet: string;
  readonly rangeStart?: string | undefined;
  readonly rangeEnd?: string | undefined;
  readonly gateway?: string | undefined;
}

function parseAddressField(raw: string, key: string): Ip {
  try {
    // Go canonicalises every address with To4(): an IPv4-mapped address counts as IPv4.
    return unmapIPv4(parseIp(raw));
  } catch (e) {
    throw invalidConfig(key, raw, e instanceof AddrError ? e.message : String(e));
  }
}

function parseSubnet(raw: string, key: string): Cidr {
  let subnet: Cidr;
  try {
    subnet = parseCidr(raw);
  } catch (e) {
    throw invalidConfig(key, raw, e instanceof AddrError ? e.message : String(e));
  }
  if (isIPv4Mapped(subnet.ip)) throw invalidConfig(key, raw, 'an IPv4-mapped IPv6 subnet is not allowed; write the IPv4 subnet');
  // Without at least a network, one address and a last address there is nothing to hand out.
  if (subnet.prefix > bitLength(subnet.ip.family) - 2) {
    throw invalidConfig(key, raw, `network ${cidrToString(subnet)} is too small to allocate from`);
  }
  if (!isNetworkAddress(subnet)) {
    const network = ipToString(networkAddress(subnet));
    throw invalidConfig(key, raw, `network has host bits set; for a prefix length of ${subnet.prefix} the network address is ${network}`);
  }
  return subnet;
}

function inSubnet(subnet: Cidr, raw: string, key: string, what: string): Ip {
  const ip = parseAddressField(raw, key);
  if (!cidrContains(subnet, ip)) throw invalidConfig(key, raw, `${what} ${ipToString(ip)} is not in network ${cidrToString(subnet)}`);
  return ip;
}

/**
 * The gateway may lie outside the subnet: the Go plugin has accepted that since v0.8.0 (a
 * gateway reached through an on-link route is a real setup), so a drop-in must too; the
 * config's users are told on stderr (see gatewaysOutside). Another family cannot be meant.
 */
function sameFamily(subnet: Cidr, raw: string, key: string): Ip {
  const ip = parseAddressField(raw, key);
  if (ip.family !== subnet.ip.family) {
    throw invalidConfig(key, raw, `the gateway is an IPv${ip.family} address and network ${cidrToString(subnet)} is IPv${subnet.ip.family}`);
  }
  return ip;
}

/** One line per range whose gateway is outside its subnet: accepted, but worth a look. */
export function gatewaysOutside(ranges: readonly Range[]): string[] {
  return ranges
    .filter((r) => !cidrContains(r.subnet, r.gateway))
    .map((r) => `host-local: gateway ${ipToString(r.gateway)} is not in network ${cidrToString(r.subnet)}; using it as given`);
}

/**
 * Validates one range object and fills in the defaults the Go plugin uses: gateway and
 * rangeStart are the network address + 1 (the gateway is skipped when allocating), rangeEnd
 * is the last address, minus the broadcast address for IPv4.
 * @throws CniError code 7 naming `key.field` and the value.
 */
export function canonicalizeRange(r: RangeConf, key: string): Range {
  const subnet = parseSubnet(r.subnet, `${key}.subnet`);
  const first = nextIp(subnet.ip);
  const last = lastAddress(subnet);
  const gateway = r.gateway === undefined ? first : sameFamily(subnet, r.gateway, `${key}.gateway`);
  const rangeStart = r.rangeStart === undefined ? first : inSubnet(subnet, r.rangeStart, `${key}.rangeStart`, 'rangeStart');
  const rangeEnd =
    r.rangeEnd === undefined
      ? subnet.ip.family === 4
        ? { family: 4 as const, value: last.value - 1n }
        : last
      : inSubnet(subnet, r.rangeEnd, `${key}.rangeEnd`, 'rangeEnd');
  if (compareIps(rangeStart, rangeEnd) > 0) {
    // Go does not check this and then walks past rangeEnd; name whichever field was written.
    if (r.rangeEnd !== undefined) {
      throw invalidConfig(`${key}.rangeEnd`, r.rangeEnd, `it is before rangeStart ${ipToString(rangeStart)}`);
    }
    throw invalidConfig(`${key}.rangeStart`, r.rangeStart, `it is after rangeEnd ${ipToString(rangeEnd)}`);
  }
  return { subnet, rangeStart, rangeEnd, gateway };
}

/** True when `ip` is in the subnet and within [rangeStart, rangeEnd]. */
export function rangeContains(range: Range, ip: Ip): boolean {
  return (
    ip.family === range.subnet.ip.family &&
    ip.value >= range.rangeStart.value &&
    ip.value <= range.rangeEnd.value &&
    cidrContains(range.subnet, ip)
  );
}

/** True when the two spans share an address (same family only). */
export function rangesOverlap(a: Range, b: Range): boolean {
  if (a.subnet.ip.family !== b.subnet.ip.family) return false;
  return a.rangeStart.value <= b.rangeEnd.value && b.rangeStart.value <= a.rangeEnd.value;
}

/** "start-end", as the Go plugin names a range in its messages. */
export function rangeToString(range: Range): string {
  return `${ipToString(range.rangeStart)}-${ipToString(range.rangeEnd)}`;
}

/** How many addresses the range can hand out: its span minus the gateway if inside it. */
export function rangeCapacity(range: Range): bigint {
  const span = range.rangeEnd.value - range.rangeStart.value + 1n;
  return rangeContains(range, range.gateway) ? span - 1n : span;
}
