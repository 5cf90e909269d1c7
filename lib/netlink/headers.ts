/**
 * Pure codec for the fixed headers that follow nlmsghdr in each message family:
 * ifinfomsg (links), ifaddrmsg (addresses), rtmsg (routes), nfgenmsg (nfnetlink).
 */

export const IFINFOMSG_LEN = 16;
export const IFADDRMSG_LEN = 8;
export const RTMSG_LEN = 12;
export const NFGENMSG_LEN = 4;

/**
 * A payload too short for its fixed header is a malformed message: the codec's RangeError
 * (as wire.ts's), naming the header, not a Buffer read's "offset out of range".
 */
function need(p: Buffer, len: number, header: string): void {
  if (p.length < len) throw new RangeError(`netlink ${header} needs ${len} bytes, the payload has ${p.length}`);
}

/** struct ifinfomsg. */
export interface IfInfoMsg {
  readonly family: number;
  readonly type: number;
  readonly index: number;
  readonly flags: number;
  readonly change: number;
}

/** Encodes struct ifinfomsg; omitted fields are 0. */
export function encodeIfInfoMsg(m: Partial<IfInfoMsg> = {}): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt16LE(m.type ?? 0, 2);
  b.writeInt32LE(m.index ?? 0, 4);
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((m.change ?? 0) >>> 0, 12);
  return b;
}

/** Decodes struct ifinfomsg from the start of a payload. @throws {RangeError} when the payload is shorter */
export function decodeIfInfoMsg(p: Buffer): IfInfoMsg {
  need(p, IFINFOMSG_LEN, 'ifinfomsg');
  return {
    family: p.readUInt8(0),
    type: p.readUInt16LE(2),
    index: p.readInt32LE(4),
    flags: p.readUInt32LE(8),
    change: p.readUInt32LE(12),
  };
}

/** struct ifaddrmsg. */
export interface IfAddrMsg {
  readonly family: number;
  readonly prefixLen: number;
  readonly flags: number;
  readonly scope: number;
  readonly index: number;
}

/** Encodes struct ifaddrmsg; omitted fields are 0. */
export function encodeIfAddrMsg(m: Partial<IfAddrMsg> = {}): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.prefixLen ?? 0, 1);
  b.writeUInt8((m.flags ?? 0) & 0xff, 2);
  b.writeUInt8(m.scope ?? 0, 3);
  b.writeUInt32LE(m.index ?? 0, 4);
  return b;
}

/** Decodes struct ifaddrmsg. @throws {RangeError} when the payload is shorter */
export function decodeIfAddrMsg(p: Buffer): IfAddrMsg {
  need(p, IFADDRMSG_LEN, 'ifaddrmsg');
  return {
    family: p.readUInt8(0),
    prefixLen: p.readUInt8(1),
    flags: p.readUInt8(2),
    scope: p.readUInt8(3),
    index: p.readUInt32LE(4),
  };
}

/** struct rtmsg. */
export interface RtMsg {
  readonly family: number;
  readonly dstLen: number;
  readonly srcLen: number;
  readonly tos: number;
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  readonly type: number;
  readonly flags: number;
}

/** Encodes struct rtmsg; omitted fields are 0. */
export function encodeRtMsg(m: Partial<RtMsg> = {}): Buffer {
  const b = Buffer.alloc(RTMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.dstLen ?? 0, 1);
  b.writeUInt8(m.srcLen ?? 0, 2);
  b.writeUInt8(m.tos ?? 0, 3);
  b.writeUInt8(m.table ?? 0, 4);
  b.writeUInt8(m.protocol ?? 0, 5);
  b.writeUInt8(m.scope ?? 0, 6);
  b.writeUInt8(m.type ?? 0, 7);
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  return b;
}

/** Decodes struct rtmsg. @throws {RangeError} when the payload is shorter */
export function decodeRtMsg(p: Buffer): RtMsg {
  need(p, RTMSG_LEN, 'rtmsg');
  return {
    family: p.readUInt8(0),
    dstLen: p.readUInt8(1),
    srcLen: p.readUInt8(2),
    tos: p.readUInt8(3),
    table: p.readUInt8(4),
    protocol: p.readUInt8(5),
    scope: p.readUInt8(6),
    type: p.readUInt8(7),
    flags: p.readUInt32LE(8),
  };
}

/** struct nfgenmsg (res_id is big-endian on the wire). */
export interface NfGenMsg {
  readonly family: number;
  readonly version: number;
  readonly resId: number;
}

/** Encodes struct nfgenmsg. */
export function encodeNfGenMsg(m: Partial<NfGenMsg> = {}): Buffer {
  const b = Buffer.alloc(NFGENMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.version ?? 0, 1);
  b.writeUInt16BE(m.resId ?? 0, 2);
  return b;
}

/** Decodes struct nfgenmsg. @throws {RangeError} when the payload is shorter */
export function decodeNfGenMsg(p: Buffer): NfGenMsg {
  need(p, NFGENMSG_LEN, 'nfgenmsg');
  return { family: p.readUInt8(0), version: p.readUInt8(1), resId: p.readUInt16BE(2) };
}
