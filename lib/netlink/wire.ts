/**
 * Pure netlink codec: message headers and rtattr TLVs (nested). The fixed family headers
 * are in headers.ts. No I/O. Multi-byte fields are host order, written little-endian: the suite targets
 * x86-64 and arm64 only.
 */
import {
  NLA_F_NESTED,
  NLA_TYPE_MASK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
} from './constants.ts';

export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;

/** Rounds up to the 4-byte boundary netlink uses for messages and attributes. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * An attribute to encode: raw bytes, or children that are encoded as a nested TLV list.
 * OR `NLA_F_NESTED` into `type` yourself where the kernel wants it (IFLA_PROTINFO).
 */
export interface Attr {
  readonly type: number;
  readonly value: Uint8Array | readonly Attr[];
}

/** A request ready to be framed: type, extra flags, fixed family header, attributes. */
export interface NlRequest {
  readonly type: number;
  /** Flags beyond NLM_F_REQUEST/ACK/DUMP, which the socket adds itself (e.g. CREATE|EXCL). */
  readonly flags?: number;
  /** The fixed header (ifinfomsg, ifaddrmsg, rtmsg, nfgenmsg). */
  readonly header: Uint8Array;
  readonly attrs?: readonly Attr[];
  /** Words for error messages ("create bridge cni0"). */
  readonly what?: string;
}

/** One parsed netlink message; `payload` is everything after the 16-byte header. */
export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  readonly payload: Buffer;
}

/** One parsed attribute; `type` has the NLA_F_* bits stripped. */
export interface RawAttr {
  readonly type: number;
  readonly nested: boolean;
  readonly value: Buffer;
}

/** A parsed NLMSG_ERROR (or error-carrying NLMSG_DONE): errno 0 means ACK. */
export interface NlErrorReply {
  /** Positive errno, or 0 for success. */
  readonly errno: number;
  /** NLMSGERR_ATTR_MSG: the kernel's extended-ACK text. */
  readonly extAck: string | undefined;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute in the request. */
  readonly extAckOffset: number | undefined;
  /** Sequence number of the request this answers. */
  readonly requestSeq: number | undefined;
}

// ---------- attributes ----------

/** A u8 attribute. */
export function u8Attr(type: number, value: number): Attr {
  return { type, value: Uint8Array.of(value & 0xff) };
}

/** A host-order u16 attribute. */
export function u16Attr(type: number, value: number): Attr {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return { type, value: b };
}

/** A host-order u32 attribute. */
export function u32Attr(type: number, value: number): Attr {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return { type, value: b };
}

/** A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND). */
export function stringAttr(type: number, value: string): Attr {
  const bytes = Buffer.from(value, 'utf8');
  const b = Buffer.alloc(bytes.length + 1);
  bytes.copy(b);
  return { type, value: b };
}

/** A raw-bytes attribute (addresses, MACs, pre-encoded nests). */
export function bytesAttr(type: number, value: Uint8Array): Attr {
  return { type, value };
}

/** A nested attribute list. */
export function nestedAttr(type: number, children: readonly Attr[]): Attr {
  return { type, value: children };
}

/** Encoded size of an attribute list, including padding. */
export function attrsLength(attrs: readonly Attr[]): number {
  let n = 0;
  for (const a of attrs) n += align4(NLA_HDRLEN + attrValueLength(a));
  return n;
}

function attrValueLength(a: Attr): number {
  return a.value instanceof Uint8Array ? a.value.length : attrsLength(a.value);
}

/** Writes `attrs` into `buf` at `offset`; returns the offset after the last (padded) attribute. */
export function writeAttrs(buf: Buffer, offset: number, attrs: readonly Attr[]): number {
  let off = offset;
  for (const a of attrs) {
    const len = NLA_HDRLEN + attrValueLength(a);
    buf.writeUInt16LE(len, off);
    buf.writeUInt16LE(a.type, off + 2);
    if (a.value instanceof Uint8Array) {
      buf.set(a.value, off + NLA_HDRLEN);
    } else {
      writeAttrs(buf, off + NLA_HDRLEN, a.value);
    }
    off += align4(len);
  }
  return off;
}

/** Encodes an attribute list on its own. */
export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const buf = Buffer.alloc(attrsLength(attrs));
  writeAttrs(buf, 0, attrs);
  return buf;
}

/**
 * Parses a TLV list. Stops at trailing bytes too short for a header.
 * @throws {RangeError} when an attribute claims more bytes than remain.
 */
export function parseAttrs(buf: Buffer): RawAttr[] {
  const out: RawAttr[] = [];
  let off = 0;
  while (off + NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    const rawType = buf.readUInt16LE(off + 2);
    if (len < NLA_HDRLEN || off + len > buf.length) {
      throw new RangeError(`netlink attribute at offset ${off} has bad length ${len} (buffer ${buf.length})`);
    }
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      value: buf.subarray(off + NLA_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Parses a TLV list into a map by type; for repeated types the first one wins. */
export function attrMap(buf: Buffer): Map<number, Buffer> {
  // Hot path of every dump: scan without building RawAttr objects.
  const map = new Map<number, Buffer>();
  let off = 0;
  while (off + NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN || off + len > buf.length) {
      throw new RangeError(`netlink attribute at offset ${off} has bad length ${len} (buffer ${buf.length})`);
    }
    const type = buf.readUInt16LE(off + 2) & NLA_TYPE_MASK;
    if (!map.has(type)) map.set(type, buf.subarray(off + NLA_HDRLEN, off + len));
    off += align4(len);
  }
  return map;
}

/** Reads a NUL-terminated (or unterminated) string attribute value. */
export function readString(value: Buffer): string {
  const nul = value.indexOf(0);
  return value.toString('utf8', 0, nul === -1 ? value.length : nul);
}

/** Reads a host-order u32 attribute value, or undefined when absent or short. */
export function readU32(value: Buffer | undefined): number | undefined {
  return value !== undefined && value.length >= 4 ? value.readUInt32LE(0) : undefined;
}

/** Reads a u8 attribute value, or undefined when absent. */
export function readU8(value: Buffer | undefined): number | undefined {
  return value !== undefined && value.length >= 1 ? value.readUInt8(0) : undefined;
}

// ---------- messages ----------

/** Frames a request: nlmsghdr + fixed header + attributes. */
export function encodeMessage(req: NlRequest, flags: number, seq: number): Buffer {
  const attrs = req.attrs ?? [];
  const headerLen = align4(req.header.length);
  const total = NLMSG_HDRLEN + headerLen + attrsLength(attrs);
  const buf = Buffer.alloc(total);
  buf.writeUInt32LE(total, 0);
  buf.writeUInt16LE(req.type, 4);
  buf.writeUInt16LE(flags | (req.flags ?? 0), 6);
  buf.writeUInt32LE(seq >>> 0, 8);
  buf.writeUInt32LE(0, 12);
  buf.set(req.header, NLMSG_HDRLEN);
  writeAttrs(buf, NLMSG_HDRLEN + headerLen, attrs);
  return buf;
}

/**
 * Splits one received datagram into messages.
 * @throws {RangeError} on a malformed length.
 */
export function parseMessages(buf: Buffer): NlMessage[] {
  const out: NlMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      throw new RangeError(`netlink message at offset ${off} has bad length ${len} (datagram ${buf.length})`);
    }
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/**
 * Decodes an NLMSG_ERROR payload: `int error; struct nlmsghdr msg; [payload]; [ext-ack TLVs]`.
 * With NLM_F_CAPPED only the request header is echoed; with NLM_F_ACK_TLVS TLVs follow it.
 */
export function parseErrorReply(msg: NlMessage): NlErrorReply {
  const p = msg.payload;
  if (p.length < 4) return { errno: 0, extAck: undefined, extAckOffset: undefined, requestSeq: undefined };
  const errno = -p.readInt32LE(0) | 0;
  let requestSeq: number | undefined;
  let tlvStart = p.length;
  if (p.length >= 4 + NLMSG_HDRLEN) {
    const echoedLen = p.readUInt32LE(4);
    requestSeq = p.readUInt32LE(4 + 8);
    const capped = (msg.flags & NLM_F_CAPPED) !== 0 || errno === 0;
    tlvStart = 4 + (capped ? NLMSG_HDRLEN : align4(echoedLen));
  }
  return { errno, requestSeq, ...extAckFrom(msg, p.subarray(Math.min(tlvStart, p.length))) };
}

/**
 * Decodes an NLMSG_DONE payload. Dumps may end with a negative int (the dump failed) and,
 * on newer kernels, ext-ack TLVs after it.
 */
export function parseDoneReply(msg: NlMessage): NlErrorReply {
  const p = msg.payload;
  if (p.length < 4) return { errno: 0, extAck: undefined, extAckOffset: undefined, requestSeq: msg.seq };
  const errno = -p.readInt32LE(0) | 0;
  return { errno, requestSeq: msg.seq, ...extAckFrom(msg, p.subarray(4)) };
}

function extAckFrom(msg: NlMessage, tlvs: Buffer): Pick<NlErrorReply, 'extAck' | 'extAckOffset'> {
  if ((msg.flags & NLM_F_ACK_TLVS) === 0 || tlvs.length < NLA_HDRLEN) {
    return { extAck: undefined, extAckOffset: undefined };
  }
  const attrs = attrMap(tlvs);
  const text = attrs.get(NLMSGERR_ATTR_MSG);
  return {
    extAck: text === undefined ? undefined : readString(text),
    extAckOffset: readU32(attrs.get(NLMSGERR_ATTR_OFFS)),
  };
}
