import { AddrError } from './errors.ts';
import { type Family, type Ip, bitLength, ipToString, tryParseIp } from './ip.ts';

/**
 * An address with a prefix length, as written in "10.1.0.5/16": the address keeps its host
 * bits (a CNI result's `address` needs them); {@link networkAddress} clears them.
 */
export interface Cidr {
  readonly ip: Ip;
  readonly prefix: number;
}

const PREFIX_PATTERN = /^(0|[1-9]\d{0,2})$/;

/**
 * Parses "address/prefix" strictly: a strict address (see tryParseIp) and a decimal prefix
 * without sign or leading zeros, at most 32 for IPv4 and 128 for IPv6.
 * @throws {AddrError} saying which part is wrong.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new AddrError(`${JSON.stringify(text)} is not a CIDR (address/prefix): the "/prefix" is missing`, text);
  const ip = tryParseIp(text.slice(0, slash));
  if (!ip) throw new AddrError(`${JSON.stringify(text)} is not a CIDR: ${JSON.stringify(text.slice(0, slash))} is not an IP address`, text);
  const prefixText = text.slice(slash + 1);
  const bits = bitLength(ip.family);
  if (!PREFIX_PATTERN.test(prefixText) || Number(prefixText) > bits) {
    throw new AddrError(`${JSON.stringify(text)} is not a CIDR: the prefix length must be 0-${bits}`, text);
  }
  return { ip, prefix: Number(prefixText) };
}

/** "address/prefix" with the address in Go's canonical form and host bits kept. */
export function cidrToString(cidr: Cidr): string {
  return `${ipToString(cidr.ip)}/${cidr.prefix}`;
}

function hostBits(cidr: Cidr): bigint {
  return BigInt(bitLength(cidr.ip.family) - cidr.prefix);
}

/** The mask of a prefix length as an integer (e.g. /24 of IPv4 is 0xffffff00). */
export function prefixMask(family: Family, prefix: number): bigint {
  const bits = BigInt(bitLength(family));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** True when `ip` is of the same family and inside the prefix. */
export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (ip.family !== cidr.ip.family) return false;
  const shift = hostBits(cidr);
  return ip.value >> shift === cidr.ip.value >> shift;
}

/** The first address of the prefix (host bits cleared). */
export function networkAddress(cidr: Cidr): Ip {
  return { family: cidr.ip.family, value: cidr.ip.value & prefixMask(cidr.ip.family, cidr.prefix) };
}

/** The prefix with host bits cleared, as text: `10.1.0.5/16` gives `10.1.0.0/16`. */
export function subnetOf(cidr: Cidr): string {
  return cidrToString({ ip: networkAddress(cidr), prefix: cidr.prefix });
}

/** The last address of the prefix (host bits set): the broadcast address for IPv4. */
export function lastAddress(cidr: Cidr): Ip {
  return { family: cidr.ip.family, value: cidr.ip.value | ((1n << hostBits(cidr)) - 1n) };
}

/** True when the address of the CIDR is its network address (no host bits set). */
export function isNetworkAddress(cidr: Cidr): boolean {
  return (cidr.ip.value & ((1n << hostBits(cidr)) - 1n)) === 0n;
}

/** How many addresses the prefix spans (2^(bits - prefix)). */
export function addressCount(cidr: Cidr): bigint {
  return 1n << hostBits(cidr);
}
