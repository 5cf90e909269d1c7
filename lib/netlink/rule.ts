import { type Family, bitLength, ipToBytes, parseCidr, parseIp } from '../addr/index.ts';
import { AF_INET, AF_INET6, AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, RT_TABLE_UNSPEC } from './constants.ts';
import { isNetlinkError } from './errors.ts';
import { readAddressAttr } from './ip-attr.ts';
import type { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, readU32, u32Attr } from './wire.ts';
import type { Attr, NlMessage } from './wire.ts';

// FIB rules ("ip rule"): policy routing's selectors, each sending matching packets to a table
// (linux/fib_rules.h). Only what source-based routing needs is encoded: source and
// destination prefixes, the table and the preference.

export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;

export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_PRIORITY = 6;
export const FRA_TABLE = 15;

/** fib_rule_hdr.action: look the packet up in the rule's table. */
export const FR_ACT_TO_TBL = 1;

/** struct fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action (u8 each), flags (u32). */
export const FIB_RULE_HDR_LEN = 12;

/** struct fib_rule_hdr. */
export interface FibRuleHdr {
  readonly family: number;
  readonly dstLen: number;
  readonly srcLen: number;
  readonly tos: number;
  /** The table when below 256; FRA_TABLE carries every table (and the only one above 255). */
  readonly table: number;
  readonly action: number;
  readonly flags: number;
}

/** Encodes struct fib_rule_hdr; omitted fields are 0. */
export function encodeFibRuleHdr(h: Partial<FibRuleHdr> = {}): Buffer {
  const b = Buffer.alloc(FIB_RULE_HDR_LEN);
  b.writeUInt8(h.family ?? 0, 0);
  b.writeUInt8(h.dstLen ?? 0, 1);
  b.writeUInt8(h.srcLen ?? 0, 2);
  b.writeUInt8(h.tos ?? 0, 3);
  b.writeUInt8(h.table ?? 0, 4);
  b.writeUInt8(h.action ?? 0, 7);
  b.writeUInt32LE((h.flags ?? 0) >>> 0, 8);
  return b;
}

/** Decodes struct fib_rule_hdr. @throws {RangeError} when the payload is shorter */
export function decodeFibRuleHdr(p: Buffer): FibRuleHdr {
  if (p.length < FIB_RULE_HDR_LEN) throw new RangeError(`netlink fib_rule_hdr needs ${FIB_RULE_HDR_LEN} bytes, the payload has ${p.length}`);
  return {
    family: p.readUInt8(0),
    dstLen: p.readUInt8(1),
    srcLen: p.readUInt8(2),
    tos: p.readUInt8(3),
    table: p.readUInt8(4),
    action: p.readUInt8(7),
    flags: p.readUInt32LE(8),
  };
}

/** A rule to add or delete: "from <src> [to <dst>] lookup <table> [pref <priority>]". */
export interface RuleSpec {
  /** Source prefix ('10.0.0.5/32'), or a bare address meaning a host prefix. */
  readonly src?: string;
  readonly dst?: string;
  /** The table to look up, 1 to 2^32-1. */
  readonly table: number;
  /** The rule's preference; omitted, the kernel gives the next free one below the existing rules (as `ip rule add`). */
  readonly priority?: number;
  /** Needed only when neither src nor dst says it. */
  readonly family?: Family;
}

/** A rule as RTM_NEWRULE reports it. */
export interface Rule {
  readonly family: Family;
  /** Source prefix as 'addr/len'; undefined for "from all". */
  readonly src: string | undefined;
  readonly dst: string | undefined;
  /** 0 for rules whose action is not a table lookup (e.g. unreachable). */
  readonly table: number;
  readonly priority: number;
  readonly action: number;
}

/** Filters for {@link listRules}. */
export interface RuleFilter {
  readonly family?: Family;
  readonly table?: number;
}

/**
 * Adds a rule (NLM_F_EXCL, as `ip rule add`).
 * @throws {NetlinkError} code 'EEXIST' when an identical rule exists.
 */
export function addRule(sock: NetlinkSocket, spec: RuleSpec): void {
  sock.request({ type: RTM_NEWRULE, flags: NLM_F_CREATE | NLM_F_EXCL, ...encodeRule(spec), what: `add rule ${describeRule(spec)}` });
}

/**
 * Deletes the first rule matching every field given; false when none does (ENOENT).
 * @throws {NetlinkError} for other failures.
 */
export function deleteRule(sock: NetlinkSocket, spec: RuleSpec): boolean {
  try {
    sock.request({ type: RTM_DELRULE, ...encodeRule(spec), what: `delete rule ${describeRule(spec)}` });
    return true;
  } catch (err) {
    if (isNetlinkError(err, 'ENOENT', 'ESRCH')) return false;
    throw err;
  }
}

/**
 * Lists the rules of both families (or one), optionally of one table.
 * @throws {NetlinkError}
 */
export function listRules(sock: NetlinkSocket, filter: RuleFilter = {}): Rule[] {
  const family = filter.family === undefined ? AF_UNSPEC : filter.family === 4 ? AF_INET : AF_INET6;
  const messages = sock.dump({ type: RTM_GETRULE, header: encodeFibRuleHdr({ family }), what: 'list rules' });
  return messages
    .filter((m) => m.type === RTM_NEWRULE)
    .map(parseRule)
    .filter((r): r is Rule => r !== undefined)
    .filter((r) => filter.table === undefined || r.table === filter.table);
}

/**
 * Decodes one RTM_NEWRULE message; undefined for families other than IPv4/IPv6.
 * @throws {RangeError} for a malformed message
 */
export function parseRule(msg: NlMessage): Rule | undefined {
  const h = decodeFibRuleHdr(msg.payload);
  if (h.family !== AF_INET && h.family !== AF_INET6) return undefined;
  const family: Family = h.family === AF_INET ? 4 : 6;
  const attrs = attrMap(msg.payload.subarray(FIB_RULE_HDR_LEN));
  const prefix = (type: number, len: number, what: string): string | undefined => {
    const v = attrs.get(type);
    return v === undefined ? undefined : `${readAddressAttr(v, family, what)}/${len}`;
  };
  return {
    family,
    src: prefix(FRA_SRC, h.srcLen, 'FRA_SRC'),
    dst: prefix(FRA_DST, h.dstLen, 'FRA_DST'),
    table: readU32(attrs.get(FRA_TABLE)) ?? h.table,
    // the kernel always reports the preference; rule 0 ("from all lookup local") may omit it
    priority: readU32(attrs.get(FRA_PRIORITY)) ?? 0,
    action: h.action,
  };
}

/** 'addr/len', or a bare address meaning a host prefix. @throws {AddrError} */
function prefixOf(text: string): { bytes: Uint8Array; len: number; family: Family } {
  if (text.includes('/')) {
    const c = parseCidr(text);
    return { bytes: ipToBytes(c.ip), len: c.prefix, family: c.ip.family };
  }
  const ip = parseIp(text);
  return { bytes: ipToBytes(ip), len: bitLength(ip.family), family: ip.family };
}

function encodeRule(spec: RuleSpec): { header: Buffer; attrs: Attr[] } {
  const src = spec.src === undefined ? undefined : prefixOf(spec.src);
  const dst = spec.dst === undefined ? undefined : prefixOf(spec.dst);
  const family = src?.family ?? dst?.family ?? spec.family;
  if (family === undefined) throw new TypeError(`rule ${describeRule(spec)}: no address family (give src, dst or family)`);
  if ((src && src.family !== family) || (dst && dst.family !== family)) throw new TypeError(`rule ${describeRule(spec)}: src and dst are of different address families`);
  if (!Number.isInteger(spec.table) || spec.table < 1 || spec.table > 0xffffffff) throw new TypeError(`rule ${describeRule(spec)}: table must be 1 to 4294967295`);
  const attrs: Attr[] = [];
  if (dst) attrs.push(bytesAttr(FRA_DST, dst.bytes));
  if (src) attrs.push(bytesAttr(FRA_SRC, src.bytes));
  if (spec.priority !== undefined) attrs.push(u32Attr(FRA_PRIORITY, spec.priority));
  attrs.push(u32Attr(FRA_TABLE, spec.table));
  const header = encodeFibRuleHdr({
    family: family === 4 ? AF_INET : AF_INET6,
    srcLen: src?.len ?? 0,
    dstLen: dst?.len ?? 0,
    // the u8 field cannot hold a larger table: FRA_TABLE alone says it then
    table: spec.table < 256 ? spec.table : RT_TABLE_UNSPEC,
    action: FR_ACT_TO_TBL,
  });
  return { header, attrs };
}

function describeRule(spec: RuleSpec): string {
  const pref = spec.priority === undefined ? '' : ` pref ${spec.priority}`;
  const to = spec.dst === undefined ? '' : ` to ${spec.dst}`;
  return `from ${spec.src ?? 'all'}${to} lookup ${spec.table}${pref}`;
}
