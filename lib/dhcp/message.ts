// The DHCPv4 message format (RFC 2131 on BOOTP, RFC 951) and the options this suite reads or
// sends (RFC 2132, RFC 3442 for classless static routes). Pure: bytes in, objects out, so the
// whole wire format is unit-tested without a network.

/** BOOTP op codes. */
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

/** Option 53 values. */
export const DhcpMessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type DhcpMessageTypeValue = (typeof DhcpMessageType)[keyof typeof DhcpMessageType];

/** Option codes used by name in the suite. */
export const Option = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTERS: 3,
  DNS_SERVERS: 6,
  HOST_NAME: 12,
  DOMAIN_NAME: 15,
  STATIC_ROUTES: 33,
  REQUESTED_ADDRESS: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_REQUEST_LIST: 55,
  MESSAGE: 56,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS_ID: 60,
  CLIENT_ID: 61,
  USER_CLASS: 77,
  DOMAIN_SEARCH: 119,
  CLASSLESS_STATIC_ROUTES: 121,
  END: 255,
} as const;

/** The BOOTP flag asking the server to broadcast its replies (the client has no address yet). */
export const FLAG_BROADCAST = 0x8000;

const MAGIC_COOKIE = 0x63825363;
/** op..file (236 bytes) and the magic cookie. */
const FIXED_LENGTH = 240;
/** RFC 1542: some relays and servers drop BOOTP messages shorter than the original 300 bytes. */
const MIN_MESSAGE_LENGTH = 300;

/** A DHCP message. Addresses are dotted-quad strings; "0.0.0.0" for none. */
export interface DhcpMessage {
  readonly op: number;
  readonly xid: number;
  readonly secs: number;
  readonly flags: number;
  readonly ciaddr: string;
  readonly yiaddr: string;
  readonly siaddr: string;
  readonly giaddr: string;
  /** The client's hardware address (6 bytes for Ethernet). */
  readonly chaddr: Uint8Array;
  /** Options by code, in the order they are to be written; repeated options already joined (RFC 3396). */
  readonly options: ReadonlyMap<number, Uint8Array>;
}

/** A message that cannot be read; the caller drops it and keeps listening. */
export class DhcpDecodeError extends Error {
  override readonly name = 'DhcpDecodeError';
}

/** "a.b.c.d" -> 4 bytes. @throws {RangeError} for anything else. */
export function ipv4Bytes(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  return Uint8Array.from(parts.map(Number));
}

/** 4 bytes at `offset` -> "a.b.c.d". */
export function ipv4Text(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** "aa:bb:cc:dd:ee:ff" -> 6 bytes. @throws {RangeError} */
export function macBytes(text: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) throw new RangeError(`not a MAC address: ${JSON.stringify(text)}`);
  return Uint8Array.from(parts.map((p) => Number.parseInt(p, 16)));
}

/**
 * The bytes of a message, padded to the BOOTP minimum. Options are written in map order,
 * each longer than 255 bytes split over repeated codes (RFC 3396), followed by END.
 */
export function encodeMessage(msg: DhcpMessage): Buffer {
  const chunks: Buffer[] = [];
  for (const [code, value] of msg.options) {
    if (code === Option.PAD || code === Option.END) continue;
    if (value.length === 0) {
      chunks.push(Buffer.from([code, 0]));
      continue;
    }
    for (let at = 0; at < value.length; at += 255) {
      const part = value.subarray(at, at + 255);
      chunks.push(Buffer.from([code, part.length]), Buffer.from(part));
    }
  }
  chunks.push(Buffer.from([Option.END]));
  const options = Buffer.concat(chunks);
  const out = Buffer.alloc(Math.max(MIN_MESSAGE_LENGTH, FIXED_LENGTH + options.length));
  out[0] = msg.op;
  out[1] = 1; // htype: Ethernet
  out[2] = msg.chaddr.length;
  out[3] = 0; // hops
  out.writeUInt32BE(msg.xid >>> 0, 4);
  out.writeUInt16BE(msg.secs, 8);
  out.writeUInt16BE(msg.flags, 10);
  out.set(ipv4Bytes(msg.ciaddr), 12);
  out.set(ipv4Bytes(msg.yiaddr), 16);
  out.set(ipv4Bytes(msg.siaddr), 20);
  out.set(ipv4Bytes(msg.giaddr), 24);
  if (msg.chaddr.length > 16) throw new RangeError('chaddr longer than 16 bytes');
  out.set(msg.chaddr, 28);
  // sname (64) and file (128) stay zero
  out.writeUInt32BE(MAGIC_COOKIE, 236);
  out.set(options, FIXED_LENGTH);
  return out;
}

function joinBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Reads an option area into `into`, joining repeated codes; returns the overload value seen. */
function readOptions(area: Uint8Array, into: Map<number, Uint8Array>, where: string): number {
  let overload = 0;
  let at = 0;
  while (at < area.length) {
    const code = area[at] as number;
    if (code === Option.END) return overload;
    if (code === Option.PAD) {
      at++;
      continue;
    }
    if (at + 1 >= area.length) throw new DhcpDecodeError(`option ${code} in ${where} has no length byte`);
    const len = area[at + 1] as number;
    if (at + 2 + len > area.length) throw new DhcpDecodeError(`option ${code} in ${where} runs past the end (${len} bytes)`);
    const value = area.subarray(at + 2, at + 2 + len);
    const before = into.get(code);
    into.set(code, before === undefined ? Uint8Array.from(value) : joinBytes(before, value));
    if (code === Option.OVERLOAD && len === 1) overload = value[0] as number;
    at += 2 + len;
  }
  // no END: tolerated, as most clients do (the datagram length is the real bound)
  return overload;
}

/**
 * Reads a message. Options that overflow into `file` and `sname` (option 52) are read too.
 * @throws {DhcpDecodeError} when it is not a DHCP message.
 */
export function decodeMessage(bytes: Uint8Array): DhcpMessage {
  if (bytes.length < FIXED_LENGTH) throw new DhcpDecodeError(`${bytes.length} bytes is shorter than a DHCP message (${FIXED_LENGTH})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(236) !== MAGIC_COOKIE) throw new DhcpDecodeError('no DHCP magic cookie (a plain BOOTP message)');
  const hlen = bytes[2] as number;
  if (hlen > 16) throw new DhcpDecodeError(`hardware address length ${hlen} is over 16`);
  const options = new Map<number, Uint8Array>();
  const overload = readOptions(bytes.subarray(FIXED_LENGTH), options, 'the options');
  if (overload & 1) readOptions(bytes.subarray(108, 236), options, 'file');
  if (overload & 2) readOptions(bytes.subarray(44, 108), options, 'sname');
  return {
    op: bytes[0] as number,
    xid: view.getUint32(4),
    secs: view.getUint16(8),
    flags: view.getUint16(10),
    ciaddr: ipv4Text(bytes, 12),
    yiaddr: ipv4Text(bytes, 16),
    siaddr: ipv4Text(bytes, 20),
    giaddr: ipv4Text(bytes, 24),
    chaddr: Uint8Array.from(bytes.subarray(28, 28 + hlen)),
    options,
  };
}

/** Option 53 of a message, or undefined. */
export function messageType(msg: DhcpMessage): number | undefined {
  const v = msg.options.get(Option.MESSAGE_TYPE);
  return v?.length === 1 ? v[0] : undefined;
}

/** An option holding one IPv4 address (subnet mask, server id). */
export function optionIpv4(msg: DhcpMessage, code: number): string | undefined {
  const v = msg.options.get(code);
  return v !== undefined && v.length === 4 ? ipv4Text(v) : undefined;
}

/** An option holding a list of IPv4 addresses (routers, DNS); a length not a multiple of 4 reads as absent. */
export function optionIpv4List(msg: DhcpMessage, code: number): string[] {
  const v = msg.options.get(code);
  if (v === undefined || v.length === 0 || v.length % 4 !== 0) return [];
  const out: string[] = [];
  for (let at = 0; at < v.length; at += 4) out.push(ipv4Text(v, at));
  return out;
}

/** An option holding an unsigned 32-bit number of seconds (lease, T1, T2). */
export function optionUint32(msg: DhcpMessage, code: number): number | undefined {
  const v = msg.options.get(code);
  return v !== undefined && v.length === 4 ? new DataView(v.buffer, v.byteOffset, 4).getUint32(0) : undefined;
}

/** A 32-bit number as option bytes. */
export function uint32Bytes(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}

/** The prefix length of a contiguous netmask, or undefined for a mask with holes. */
export function maskPrefix(mask: string): number | undefined {
  const n = ipv4Bytes(mask).reduce((acc, b) => acc * 256 + b, 0);
  let prefix = 0;
  while (prefix < 32 && n & (2 ** (31 - prefix))) prefix++;
  const rebuilt = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return rebuilt === n ? prefix : undefined;
}

/** A route from options 121 or 33: destination as CIDR and the next hop ("0.0.0.0": on-link). */
export interface DhcpRoute {
  readonly dst: string;
  readonly gw: string;
}

/**
 * Option 121 (RFC 3442): per route, the prefix length, only the significant octets of the
 * destination, then the router.
 * @throws {DhcpDecodeError} for a malformed list (RFC 3442: the whole option is then ignored).
 */
export function decodeClasslessRoutes(v: Uint8Array): DhcpRoute[] {
  const routes: DhcpRoute[] = [];
  let at = 0;
  while (at < v.length) {
    const prefix = v[at] as number;
    if (prefix > 32) throw new DhcpDecodeError(`classless route prefix /${prefix} is over 32`);
    const significant = Math.ceil(prefix / 8);
    if (at + 1 + significant + 4 > v.length) throw new DhcpDecodeError('classless static route list ends inside a route');
    const dst = new Uint8Array(4);
    dst.set(v.subarray(at + 1, at + 1 + significant));
    routes.push({ dst: `${ipv4Text(dst)}/${prefix}`, gw: ipv4Text(v, at + 1 + significant) });
    at += 1 + significant + 4;
  }
  return routes;
}

/** The bytes of option 121 for `routes` (the encoding {@link decodeClasslessRoutes} reads). */
export function encodeClasslessRoutes(routes: readonly DhcpRoute[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const r of routes) {
    const [ip, len] = r.dst.split('/');
    const prefix = Number(len);
    parts.push(Uint8Array.of(prefix), ipv4Bytes(ip as string).subarray(0, Math.ceil(prefix / 8)), ipv4Bytes(r.gw));
  }
  return Buffer.concat(parts);
}

/** The classful prefix of a destination (option 33 carries no mask: RFC 2132 §5.8). */
function classfulPrefix(firstOctet: number): number {
  if (firstOctet < 128) return 8;
  if (firstOctet < 192) return 16;
  return 24;
}

/** Option 33: pairs of destination and router, with the destination's classful mask; a default (0.0.0.0) is not allowed there and is skipped. */
export function decodeStaticRoutes(v: Uint8Array): DhcpRoute[] {
  const routes: DhcpRoute[] = [];
  for (let at = 0; at + 8 <= v.length; at += 8) {
    const dst = ipv4Text(v, at);
    if (dst === '0.0.0.0') continue;
    routes.push({ dst: `${dst}/${classfulPrefix(v[at] as number)}`, gw: ipv4Text(v, at + 4) });
  }
  return routes;
}
