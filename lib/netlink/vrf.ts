import { ENODEV } from '../sys/index.ts';
import {
  AF_UNSPEC,
  IFF_UP,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTEXT_FILTER_SKIP_STATS,
  RTM_GETLINK,
  RTM_NEWLINK,
} from './constants.ts';
import { NetlinkError, isNetlinkError } from './errors.ts';
import { IFINFOMSG_LEN, encodeIfInfoMsg } from './headers.ts';
import { type Link, type LinkRef, describeLink, getLink, linkSelector, parseLink } from './link.ts';
import type { NetlinkSocket } from './socket.ts';
import { type Attr, type NlMessage, attrMap, nestedAttr, readString, readU32, stringAttr, u32Attr } from './wire.ts';

/** IFLA_VRF_TABLE (u32) inside IFLA_INFO_DATA of kind "vrf". */
export const IFLA_VRF_TABLE = 1;

/** What {@link createVrf} creates. */
export interface VrfSpec {
  readonly name: string;
  /** The routing table the VRF's routes live in (not 0). */
  readonly table: number;
  /** Created administratively up. */
  readonly up?: boolean;
}

/** A VRF device and its table. */
export interface Vrf {
  readonly link: Link;
  readonly table: number;
}

/** The IFLA_LINKINFO of a VRF device, as a create request carries it. */
export function vrfLinkInfo(table: number): Attr {
  return nestedAttr(IFLA_LINKINFO, [stringAttr(IFLA_INFO_KIND, 'vrf'), nestedAttr(IFLA_INFO_DATA, [u32Attr(IFLA_VRF_TABLE, table)])]);
}

/**
 * Creates a VRF device in one RTM_NEWLINK and reads it back. Interfaces join it with
 * setLink(..., { master: vrf.index }) (IFLA_MASTER), as bridge ports do.
 * @throws {NetlinkError} EEXIST when the name is taken; EOPNOTSUPP when the kernel has no VRF
 *   support (CONFIG_NET_VRF).
 */
export function createVrf(sock: NetlinkSocket, spec: VrfSpec): Link {
  const what = `create vrf ${spec.name} (table ${spec.table})`;
  sock.request({
    type: RTM_NEWLINK,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    header: encodeIfInfoMsg({ family: AF_UNSPEC, flags: spec.up ? IFF_UP : 0, change: spec.up ? IFF_UP : 0 }),
    attrs: [stringAttr(IFLA_IFNAME, spec.name), vrfLinkInfo(spec.table)],
    what,
  });
  const link = getLink(sock, spec.name);
  if (link === undefined) throw new NetlinkError(ENODEV, { what, detail: 'created link vanished before it could be read' });
  return link;
}

/** The VRF table of an RTM_NEWLINK message; undefined when the link is not a VRF. */
export function vrfTableOf(msg: NlMessage): number | undefined {
  const info = attrMap(msg.payload.subarray(IFINFOMSG_LEN)).get(IFLA_LINKINFO);
  if (info === undefined) return undefined;
  const infoAttrs = attrMap(info);
  const kind = infoAttrs.get(IFLA_INFO_KIND);
  if (kind === undefined || readString(kind) !== 'vrf') return undefined;
  return readU32(attrMap(infoAttrs.get(IFLA_INFO_DATA) ?? Buffer.alloc(0)).get(IFLA_VRF_TABLE)) ?? 0;
}

/**
 * Every VRF device of the socket's netns with its table (one dump: choosing a free table needs them all).
 * @throws {NetlinkError}
 */
export function listVrfs(sock: NetlinkSocket): Vrf[] {
  const messages = sock.dump({
    type: RTM_GETLINK,
    header: encodeIfInfoMsg({ family: AF_UNSPEC }),
    attrs: [u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)],
    what: 'list links (VRFs)',
  });
  const out: Vrf[] = [];
  for (const m of messages) {
    if (m.type !== RTM_NEWLINK) continue;
    const table = vrfTableOf(m);
    if (table !== undefined) out.push({ link: parseLink(m), table });
  }
  return out;
}

/**
 * Looks a link up and tells whether it is a VRF: undefined when there is no such link, a Vrf
 * when it is one, and the plain Link (without `table`) when it is something else.
 * @throws {NetlinkError}
 */
export function getVrf(sock: NetlinkSocket, ref: LinkRef): { readonly link: Link; readonly table: number | undefined } | undefined {
  const { header, attrs } = linkSelector(ref);
  let replies: NlMessage[];
  try {
    replies = sock.request({ type: RTM_GETLINK, header, attrs: [...attrs, u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)], what: `get vrf ${describeLink(ref)}` });
  } catch (err) {
    if (isNetlinkError(err, 'ENODEV')) return undefined;
    throw err;
  }
  const msg = replies.find((m) => m.type === RTM_NEWLINK);
  if (msg === undefined) return undefined;
  return { link: parseLink(msg), table: vrfTableOf(msg) };
}
