import { AddrError } from './errors.ts';

/** The address family, named by its IP version. */
export type Family = 4 | 6;

/**
 * An IPv4 or IPv6 address as a plain value: the family and the address as an unsigned
 * integer of 32 or 128 bits. Plain bigint math keeps this module dependency-free and cheap
 * to load, which matters to plugins that live for a few milliseconds.
 */
export interface Ip {
  readonly family: Family;
  readonly value: bigint;
}

const V4_MAX = 0xffff_ffffn;
const V6_MAX = (1n << 128n) - 1n;
const V4_MAPPED_PREFIX = 0xffffn;

/** The number of bits in an address of the family: 32 or 128. */
export function bitLength(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/**
 * Builds an address from its integer value.
 * @throws {AddrError} when the value does not fit the family.
 */
export function ipFromBigInt(family: Family, value: bigint): Ip {
  if (value < 0n || value > (family === 4 ? V4_MAX : V6_MAX)) {
    throw new AddrError(`value ${value} is outside the IPv${family} address space`, String(value));
  }
  return { family, value };
}

/**
 * Builds an address from 4 (IPv4) or 16 (IPv6) network-order bytes, as netlink carries them.
 * @throws {AddrError} for any other length.
 */
export function ipFromBytes(bytes: Uint8Array): Ip {
  if (bytes.length !== 4 && bytes.length !== 16) {
    throw new AddrError(`an address has 4 or 16 bytes, not ${bytes.length}`, Buffer.from(bytes).toString('hex'));
  }
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return { family: bytes.length === 4 ? 4 : 6, value };
}

/** The address as 4 or 16 network-order bytes. */
export function ipToBytes(ip: Ip): Uint8Array {
  const out = new Uint8Array(ip.family === 4 ? 4 : 16);
  let v = ip.value;
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const V4_PATTERN = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const GROUP_PATTERN = /^[0-9a-fA-F]{1,4}$/;

function parseV4(text: string): number | undefined {
  const m = V4_PATTERN.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

function parseGroups(part: string): number[] | undefined {
  if (part === '') return [];
  const out: number[] = [];
  for (const g of part.split(':')) {
    if (!GROUP_PATTERN.test(g)) return undefined;
    out.push(Number.parseInt(g, 16));
  }
  return out;
}

function parseV6(text: string): bigint | undefined {
  let body = text;
  let tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  if (body.includes('.', lastColon)) {
    // An embedded dotted IPv4 address fills the last two groups.
    const v4 = parseV4(body.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >>> 16, v4 & 0xffff];
    body = body.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !rest) return undefined;
  const given = head.length + rest.length + tail.length;
  // "::" must stand for at least one zero group (as Go and RFC 4291 require).
  if (halves.length === 2 ? given > 7 : given !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/**
 * Parses an address strictly: dotted IPv4 without leading zeros, or IPv6 (with an optional
 * embedded IPv4 tail) without a zone. Returns undefined instead of throwing, for scanning
 * names that may or may not be addresses.
 */
export function tryParseIp(text: string): Ip | undefined {
  if (text.includes(':')) {
    const v6 = parseV6(text);
    return v6 === undefined ? undefined : { family: 6, value: v6 };
  }
  const v4 = parseV4(text);
  return v4 === undefined ? undefined : { family: 4, value: BigInt(v4) };
}

/**
 * Parses an address strictly (see {@link tryParseIp}).
 * @throws {AddrError} naming the text when it is not an address.
 */
export function parseIp(text: string): Ip {
  const ip = tryParseIp(text);
  if (!ip) throw new AddrError(`${JSON.stringify(text)} is not an IP address`, text);
  return ip;
}

/** True for an IPv6 address of the form ::ffff:a.b.c.d, which Go treats as IPv4. */
export function isIPv4Mapped(ip: Ip): boolean {
  return ip.family === 6 && ip.value >> 32n === V4_MAPPED_PREFIX;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (Go's To4); other addresses unchanged. */
export function unmapIPv4(ip: Ip): Ip {
  return isIPv4Mapped(ip) ? { family: 4, value: ip.value & V4_MAX } : ip;
}

function v4ToString(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/**
 * The canonical text of an address, exactly as Go's net.IP.String() prints it (host-local
 * file names depend on it): dotted IPv4; IPv4-mapped IPv6 also dotted; other IPv6 in
 * RFC 5952 form (lowercase, no leading zeros, the longest run of two or more zero groups,
 * the first of equal runs, written as "::").
 */
export function ipToString(ip: Ip): string {
  if (ip.family === 4) return v4ToString(Number(ip.value));
  if (isIPv4Mapped(ip)) return v4ToString(Number(ip.value & V4_MAX));
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((ip.value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Orders addresses: every IPv4 address before every IPv6 one, then numerically. */
export function compareIps(a: Ip, b: Ip): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** True when both are the same address of the same family. */
export function ipEquals(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.value === b.value;
}

/**
 * The address after `ip`.
 * @throws {AddrError} after the last address of the family.
 */
export function nextIp(ip: Ip): Ip {
  if (ip.value === (ip.family === 4 ? V4_MAX : V6_MAX)) throw new AddrError('no address after the last one', ipToString(ip));
  return { family: ip.family, value: ip.value + 1n };
}

/**
 * The address before `ip`.
 * @throws {AddrError} before the first address of the family.
 */
export function prevIp(ip: Ip): Ip {
  if (ip.value === 0n) throw new AddrError('no address before the first one', ipToString(ip));
  return { family: ip.family, value: ip.value - 1n };
}
