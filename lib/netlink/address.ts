/**
 * String <-> byte conversion for IP and MAC addresses inside lib/netlink, so the kernel
 * layer needs no address library. Strings: '10.1.2.3', '2001:db8::1', 'aa:bb:cc:dd:ee:ff'.
 */

/** 4 or 6. */
export type IpFamily = 4 | 6;

/** An address with a prefix length, e.g. from '10.1.2.3/24'. */
export interface IpPrefix {
  readonly address: string;
  readonly prefixLen: number;
  readonly family: IpFamily;
}

/**
 * The family of an IP string.
 * @throws {TypeError} when it is not a plain IPv4/IPv6 address (zone ids are rejected).
 */
export function ipFamily(ip: string): IpFamily {
  // our own check, not node:net's isIP: loading node:net costs a plugin process ~6 ms
  if (isV4(ip)) return 4;
  if (isV6(ip)) return 6;
  throw new TypeError(`invalid IP address: ${JSON.stringify(ip)}`);
}

const V4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const V4 = new RegExp(`^${V4_OCTET}(?:\\.${V4_OCTET}){3}$`);
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function isV4(ip: string): boolean {
  return V4.test(ip);
}

/** RFC 4291 text form: 8 groups, or fewer around one '::', optionally ending in dotted IPv4. */
function isV6(ip: string): boolean {
  let text = ip;
  let groupsWanted = 8;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return false;
  if (text.includes('.', lastColon)) {
    if (!isV4(text.slice(lastColon + 1))) return false;
    text = text.slice(0, lastColon + 1) + '0'; // the v4 tail stands for two groups: keep one placeholder
    groupsWanted = 7;
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string | undefined): string[] | undefined => (half === undefined || half === '' ? [] : half.split(':'));
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (!head || !tail || ![...head, ...tail].every((g) => HEX_GROUP.test(g))) return false;
  const count = head.length + tail.length;
  return halves.length === 2 ? count < groupsWanted : count === groupsWanted;
}

/**
 * Encodes an IP string as 4 or 16 network-order bytes.
 * @throws {TypeError} on an invalid address.
 */
export function ipToBytes(ip: string): Buffer {
  return ipFamily(ip) === 4 ? v4ToBytes(ip) : v6ToBytes(ip);
}

function v4ToBytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map((part) => Number(part)));
}

function v6ToBytes(ip: string): Buffer {
  const out = Buffer.alloc(16);
  let text = ip;
  let tail: Buffer | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = v4ToBytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined
    ? headGroups
    : [...headGroups, ...Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail !== undefined) tail.copy(out, 12);
  return out;
}

/**
 * Formats 4 or 16 network-order bytes; IPv6 in RFC 5952 form (lowercase, longest zero run as ::).
 * @throws {TypeError} on another length.
 */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new TypeError(`an IP address has 4 or 16 bytes, got ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Parses 'addr/len' (or a bare address, meaning a host prefix).
 * @throws {TypeError} on a bad address or prefix length.
 */
export function parsePrefix(cidr: string): IpPrefix {
  const slash = cidr.indexOf('/');
  const address = slash === -1 ? cidr : cidr.slice(0, slash);
  const family = ipFamily(address);
  const max = family === 4 ? 32 : 128;
  const lenText = slash === -1 ? String(max) : cidr.slice(slash + 1);
  const prefixLen = Number(lenText);
  if (!/^\d{1,3}$/.test(lenText) || prefixLen > max) {
    throw new TypeError(`invalid prefix length in ${JSON.stringify(cidr)}`);
  }
  return { address, prefixLen, family };
}

/** The IPv4 broadcast address of addr/prefixLen (all host bits set). */
export function ipv4Broadcast(address: string, prefixLen: number): string {
  const b = v4ToBytes(address);
  const hostBits = 32 - prefixLen;
  const value = (b.readUInt32BE(0) | (hostBits === 32 ? 0xffffffff : (2 ** hostBits - 1))) >>> 0;
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return bytesToIp(out);
}

/**
 * Encodes 'aa:bb:cc:dd:ee:ff' (':' or '-' separated) as bytes.
 * @throws {TypeError} on a malformed MAC.
 */
export function macToBytes(mac: string): Buffer {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) {
    throw new TypeError(`invalid MAC address: ${JSON.stringify(mac)}`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/** Formats link-layer address bytes as lowercase colon-separated hex. */
export function bytesToMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}
