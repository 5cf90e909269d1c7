import { IFLA_EXT_MASK, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, RTEXT_FILTER_SKIP_STATS, RTM_GETLINK, RTM_NEWLINK } from './constants.ts';
import { isNetlinkError } from './errors.ts';
import { IFINFOMSG_LEN } from './headers.ts';
import { type LinkRef, describeLink, linkSelector } from './link.ts';
import type { NetlinkSocket } from './socket.ts';
import { type NlMessage, attrMap, readString, readU32, readU8, u32Attr } from './wire.ts';

// IFLA_TUN_* (include/uapi/linux/if_link.h): what the kernel reports of a tun/tap device
// inside IFLA_INFO_DATA (since Linux 4.15). Creation is not possible this way (the tun link
// type has no newlink): lib/sys createPersistentTun does that with ioctls.
export const IFLA_TUN_OWNER = 1;
export const IFLA_TUN_GROUP = 2;
export const IFLA_TUN_TYPE = 3;
export const IFLA_TUN_PI = 4;
export const IFLA_TUN_VNET_HDR = 5;
export const IFLA_TUN_PERSIST = 6;
export const IFLA_TUN_MULTI_QUEUE = 7;
export const IFLA_TUN_NUM_QUEUES = 8;

/** IFLA_TUN_TYPE values (IFF_TUN, IFF_TAP). */
const TUN_TYPES: Readonly<Record<number, 'tun' | 'tap'>> = { 1: 'tun', 2: 'tap' };

/** A tun/tap device's settings as the kernel reports them. */
export interface TunInfo {
  readonly type: 'tun' | 'tap' | undefined;
  /** The uid allowed to attach; undefined when none is set. */
  readonly owner: number | undefined;
  readonly group: number | undefined;
  /** Packet information header (the absence of IFF_NO_PI). */
  readonly pi: boolean;
  readonly vnetHdr: boolean;
  readonly persist: boolean;
  readonly multiQueue: boolean;
  /** Queues attached now (0 for a persistent device nobody uses). */
  readonly queues: number | undefined;
}

/** Decodes the tun part of one RTM_NEWLINK; undefined when the link is not of kind "tun". */
export function parseTunInfo(msg: NlMessage): TunInfo | undefined {
  const info = attrMap(msg.payload.subarray(IFINFOMSG_LEN)).get(IFLA_LINKINFO);
  if (info === undefined) return undefined;
  const linkinfo = attrMap(info);
  const kind = linkinfo.get(IFLA_INFO_KIND);
  if (kind === undefined || readString(kind) !== 'tun') return undefined;
  const data = attrMap(linkinfo.get(IFLA_INFO_DATA) ?? Buffer.alloc(0));
  const flag = (type: number) => (readU8(data.get(type)) ?? 0) !== 0;
  return {
    type: TUN_TYPES[readU8(data.get(IFLA_TUN_TYPE)) ?? 0],
    owner: readU32(data.get(IFLA_TUN_OWNER)),
    group: readU32(data.get(IFLA_TUN_GROUP)),
    pi: flag(IFLA_TUN_PI),
    vnetHdr: flag(IFLA_TUN_VNET_HDR),
    persist: flag(IFLA_TUN_PERSIST),
    multiQueue: flag(IFLA_TUN_MULTI_QUEUE),
    queues: readU32(data.get(IFLA_TUN_NUM_QUEUES)),
  };
}

/**
 * The tun/tap settings of a link; undefined when there is no such link, or it is not a tun/tap device.
 * @throws {NetlinkError} for any failure but ENODEV.
 */
export function getTunInfo(sock: NetlinkSocket, ref: LinkRef): TunInfo | undefined {
  const { header, attrs } = linkSelector(ref);
  try {
    const replies = sock.request({ type: RTM_GETLINK, header, attrs: [...attrs, u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)], what: `get link ${describeLink(ref)}` });
    const msg = replies.find((m) => m.type === RTM_NEWLINK);
    return msg === undefined ? undefined : parseTunInfo(msg);
  } catch (e) {
    if (isNetlinkError(e, 'ENODEV')) return undefined;
    throw e;
  }
}
