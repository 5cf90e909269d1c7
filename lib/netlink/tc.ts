/**
 * Traffic control (linux/rtnetlink.h, pkt_sched.h, pkt_cls.h, tc_act/tc_mirred.h): the tcmsg
 * header that every qdisc and filter message starts with, and the ABI numbers the qdisc and
 * filter modules use. Values checked against what iproute2's `tc` sends (strace).
 */

export const RTM_NEWQDISC = 36;
export const RTM_DELQDISC = 37;
export const RTM_GETQDISC = 38;
export const RTM_NEWTFILTER = 44;
export const RTM_DELTFILTER = 45;
export const RTM_GETTFILTER = 46;

// Attributes of a qdisc or filter message.
export const TCA_KIND = 1;
export const TCA_OPTIONS = 2;

// Handles: major:minor in one u32.
export const TC_H_ROOT = 0xffffffff;
/** The parent of an ingress qdisc (TC_H_INGRESS, "ffff:fff1"). */
export const TC_H_INGRESS = 0xfffffff1;

/** major:minor as the kernel packs it ("1:" is 0x00010000, "ffff:" 0xffff0000). */
export function tcHandle(major: number, minor: number): number {
  return (((major & 0xffff) << 16) | (minor & 0xffff)) >>> 0;
}

// tbf (TCA_OPTIONS of kind "tbf").
export const TCA_TBF_PARMS = 1;
export const TCA_TBF_RTAB = 2;
export const TCA_TBF_PTAB = 3;
export const TCA_TBF_RATE64 = 4;
export const TCA_TBF_PRATE64 = 5;
export const TCA_TBF_BURST = 6;
export const TCA_TBF_PBURST = 7;

// u32 classifier (TCA_OPTIONS of kind "u32").
export const TCA_U32_CLASSID = 1;
export const TCA_U32_SEL = 5;
export const TCA_U32_ACT = 7;
export const TC_U32_TERMINAL = 1;

// Actions (each a nest numbered by its order, inside TCA_U32_ACT).
export const TCA_ACT_KIND = 1;
export const TCA_ACT_OPTIONS = 2;
export const TCA_MIRRED_PARMS = 2;
/** mirred's eaction: redirect to the target's egress. */
export const TCA_EGRESS_REDIR = 1;
/** The verdict after a redirect: the packet is consumed (what `tc ... mirred egress redirect` uses). */
export const TC_ACT_STOLEN = 4;

/** Every protocol (ETH_P_ALL), as a filter's protocol. */
export const ETH_P_ALL = 0x0003;

export const TCMSG_LEN = 20;

/** struct tcmsg. */
export interface TcMsg {
  readonly family: number;
  readonly ifindex: number;
  readonly handle: number;
  readonly parent: number;
  /** For filters: priority << 16 | protocol in network order. */
  readonly info: number;
}

/** Encodes struct tcmsg; omitted fields are 0. */
export function encodeTcMsg(m: Partial<TcMsg> = {}): Buffer {
  const b = Buffer.alloc(TCMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeInt32LE(m.ifindex ?? 0, 4);
  b.writeUInt32LE((m.handle ?? 0) >>> 0, 8);
  b.writeUInt32LE((m.parent ?? 0) >>> 0, 12);
  b.writeUInt32LE((m.info ?? 0) >>> 0, 16);
  return b;
}

/** Decodes struct tcmsg from the start of a payload. */
export function decodeTcMsg(p: Buffer): TcMsg {
  return { family: p.readUInt8(0), ifindex: p.readInt32LE(4), handle: p.readUInt32LE(8), parent: p.readUInt32LE(12), info: p.readUInt32LE(16) };
}

/** A filter's tcm_info: its priority and protocol (the protocol is in network byte order). */
export function filterInfo(priority: number, protocol: number): number {
  const proto = ((protocol & 0xff) << 8) | ((protocol >> 8) & 0xff);
  return (((priority & 0xffff) << 16) | proto) >>> 0;
}
