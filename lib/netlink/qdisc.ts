import { AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL } from './constants.ts';
import { isNetlinkError } from './errors.ts';
import type { NetlinkSocket } from './socket.ts';
import {
  RTM_DELQDISC,
  RTM_GETQDISC,
  RTM_NEWQDISC,
  TCA_KIND,
  TCA_OPTIONS,
  TCA_TBF_BURST,
  TCA_TBF_PARMS,
  TCA_TBF_RATE64,
  TCMSG_LEN,
  decodeTcMsg,
  encodeTcMsg,
} from './tc.ts';
import { type Attr, attrMap, bytesAttr, nestedAttr, readString, stringAttr, u32Attr } from './wire.ts';

// Queueing disciplines: add, list and delete; the options of tbf, the only shaping qdisc the
// suite sets (ingress has none).

/** A token bucket filter's parameters as the kernel takes and reports them. */
export interface TbfParams {
  /** Bytes per second (above 2^32-1 sent as TCA_TBF_RATE64 as well). */
  readonly rate: number;
  /** Bytes queued at most. */
  readonly limit: number;
  /** The bucket size as a time, in psched ticks (1/64 µs), a u32. */
  readonly buffer: number;
  /**
   * The bucket size in bytes (TCA_TBF_BURST): the kernel then computes the bucket time
   * itself, in 64 bits, and ignores `buffer`. Only for buckets whose time a u32 of ticks cannot hold.
   */
  readonly burst?: number;
}

/** A qdisc as RTM_NEWQDISC describes it. */
export interface Qdisc {
  readonly ifindex: number;
  readonly handle: number;
  readonly parent: number;
  readonly kind: string;
  /** For kind "tbf": what the kernel reports (rate, limit, buffer; never burst). */
  readonly tbf: TbfParams | undefined;
}

/** What {@link addQdisc} creates. */
export interface QdiscSpec {
  readonly ifindex: number;
  readonly handle: number;
  readonly parent: number;
  readonly kind: string;
  /** The children of TCA_OPTIONS; omitted: no TCA_OPTIONS (ingress). */
  readonly options?: readonly Attr[];
}

/** struct tc_ratespec with only the rate (and the link layer tc gives: Ethernet). */
function rateSpec(bytesPerSecond: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(1, 1); // TC_LINKLAYER_ETHERNET: no rate table follows to guess it from
  b.writeUInt32LE(Math.min(bytesPerSecond, 0xffffffff) >>> 0, 8);
  return b;
}

/** TCA_OPTIONS children of a tbf qdisc: struct tc_tbf_qopt, and TCA_TBF_RATE64 / TCA_TBF_BURST where needed. */
export function tbfOptions(p: TbfParams): Attr[] {
  const qopt = Buffer.alloc(36);
  rateSpec(p.rate).copy(qopt, 0);
  // peakrate (12 bytes) stays zero: no peak rate
  qopt.writeUInt32LE(p.limit >>> 0, 24);
  qopt.writeUInt32LE(p.buffer >>> 0, 28);
  const attrs: Attr[] = [bytesAttr(TCA_TBF_PARMS, qopt)];
  if (p.rate > 0xffffffff) {
    const r = Buffer.alloc(8);
    r.writeBigUInt64LE(BigInt(p.rate));
    attrs.push(bytesAttr(TCA_TBF_RATE64, r));
  }
  if (p.burst !== undefined) attrs.push(u32Attr(TCA_TBF_BURST, p.burst));
  return attrs;
}

function parseTbf(options: Buffer | undefined): TbfParams | undefined {
  if (options === undefined) return undefined;
  const attrs = attrMap(options);
  const parms = attrs.get(TCA_TBF_PARMS);
  if (parms === undefined || parms.length < 36) return undefined;
  const rate64 = attrs.get(TCA_TBF_RATE64);
  const rate = rate64 !== undefined && rate64.length >= 8 ? Number(rate64.readBigUInt64LE(0)) : parms.readUInt32LE(8);
  return { rate, limit: parms.readUInt32LE(24), buffer: parms.readUInt32LE(28) };
}

/**
 * Creates a qdisc (NLM_F_EXCL, as `tc qdisc add`: an existing one is an error, not replaced).
 * @throws {NetlinkError} EEXIST when the place is taken.
 */
export function addQdisc(sock: NetlinkSocket, spec: QdiscSpec): void {
  const attrs: Attr[] = [stringAttr(TCA_KIND, spec.kind)];
  if (spec.options !== undefined) attrs.push(nestedAttr(TCA_OPTIONS, spec.options));
  sock.request({
    type: RTM_NEWQDISC,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    header: encodeTcMsg({ family: AF_UNSPEC, ifindex: spec.ifindex, handle: spec.handle, parent: spec.parent }),
    attrs,
    what: `add ${spec.kind} qdisc on ifindex ${spec.ifindex}`,
  });
}

/**
 * Lists the qdiscs of one link (the dump covers every link; the others are dropped here).
 * @throws {NetlinkError}
 */
export function listQdiscs(sock: NetlinkSocket, ifindex: number): Qdisc[] {
  const messages = sock.dump({ type: RTM_GETQDISC, header: encodeTcMsg({ family: AF_UNSPEC, ifindex }), what: `list qdiscs of ifindex ${ifindex}` });
  const out: Qdisc[] = [];
  for (const m of messages) {
    if (m.type !== RTM_NEWQDISC) continue;
    const tcm = decodeTcMsg(m.payload);
    if (tcm.ifindex !== ifindex) continue;
    const attrs = attrMap(m.payload.subarray(TCMSG_LEN));
    const kindAttr = attrs.get(TCA_KIND);
    const kind = kindAttr === undefined ? '' : readString(kindAttr);
    out.push({ ifindex, handle: tcm.handle, parent: tcm.parent, kind, tbf: kind === 'tbf' ? parseTbf(attrs.get(TCA_OPTIONS)) : undefined });
  }
  return out;
}

/**
 * Deletes the qdisc at `parent` with `handle`; false when there was none (ENOENT, or EINVAL
 * for a link whose root is the kernel's default qdisc) or the link is gone (ENODEV).
 * @throws {NetlinkError} for other failures.
 */
export function deleteQdisc(sock: NetlinkSocket, ifindex: number, parent: number, handle: number): boolean {
  try {
    sock.request({ type: RTM_DELQDISC, header: encodeTcMsg({ family: AF_UNSPEC, ifindex, parent, handle }), what: `delete qdisc ${handle.toString(16)} of ifindex ${ifindex}` });
    return true;
  } catch (e) {
    if (isNetlinkError(e, 'ENOENT', 'EINVAL', 'ENODEV')) return false;
    throw e;
  }
}
