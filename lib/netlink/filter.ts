import { AF_UNSPEC, NLA_F_NESTED, NLM_F_CREATE, NLM_F_EXCL } from './constants.ts';
import type { NetlinkSocket } from './socket.ts';
import {
  ETH_P_ALL,
  RTM_NEWTFILTER,
  TCA_ACT_KIND,
  TCA_ACT_OPTIONS,
  TCA_EGRESS_REDIR,
  TCA_KIND,
  TCA_MIRRED_PARMS,
  TCA_OPTIONS,
  TCA_U32_ACT,
  TCA_U32_SEL,
  TC_ACT_STOLEN,
  TC_U32_TERMINAL,
  encodeTcMsg,
  filterInfo,
} from './tc.ts';
import { type Attr, bytesAttr, nestedAttr, stringAttr } from './wire.ts';

// tc filters: the one the suite sets, a u32 filter that matches every packet and redirects it
// to another link's egress (`tc filter add dev X parent ffff: protocol all prio 1 u32 match
// u32 0 0 action mirred egress redirect dev IFB`).

/** What {@link addRedirectFilter} sets. */
export interface RedirectFilterSpec {
  /** The link whose packets are redirected. */
  readonly ifindex: number;
  /** The qdisc the filter hangs on (the ingress qdisc, "ffff:"). */
  readonly parent: number;
  readonly priority: number;
  /** The link that receives them, on its egress. */
  readonly redirectTo: number;
}

/** struct tc_u32_sel with one all-zero key: mask 0 matches every packet; terminal. */
function matchAllSelector(): Buffer {
  const sel = Buffer.alloc(16 + 16);
  sel.writeUInt8(TC_U32_TERMINAL, 0); // flags
  sel.writeUInt8(1, 2); // nkeys
  return sel; // the key (mask, val, off, offmask) is all zero
}

/** struct tc_mirred: redirect to `ifindex`'s egress, then the packet is consumed. */
function mirredParms(ifindex: number): Buffer {
  const p = Buffer.alloc(28);
  p.writeInt32LE(TC_ACT_STOLEN, 8); // action
  p.writeInt32LE(TCA_EGRESS_REDIR, 20); // eaction
  p.writeUInt32LE(ifindex, 24);
  return p;
}

/** TCA_OPTIONS children of the u32 redirect filter. */
export function redirectFilterOptions(redirectTo: number): Attr[] {
  const mirred = nestedAttr(1, [stringAttr(TCA_ACT_KIND, 'mirred'), nestedAttr(TCA_ACT_OPTIONS | NLA_F_NESTED, [bytesAttr(TCA_MIRRED_PARMS, mirredParms(redirectTo))])]);
  return [nestedAttr(TCA_U32_ACT, [mirred]), bytesAttr(TCA_U32_SEL, matchAllSelector())];
}

/**
 * Adds a u32 filter that redirects every packet the link receives to another link's egress.
 * @throws {NetlinkError}
 */
export function addRedirectFilter(sock: NetlinkSocket, spec: RedirectFilterSpec): void {
  sock.request({
    type: RTM_NEWTFILTER,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    header: encodeTcMsg({ family: AF_UNSPEC, ifindex: spec.ifindex, parent: spec.parent, info: filterInfo(spec.priority, ETH_P_ALL) }),
    attrs: [stringAttr(TCA_KIND, 'u32'), nestedAttr(TCA_OPTIONS, redirectFilterOptions(spec.redirectTo))],
    what: `add redirect filter on ifindex ${spec.ifindex} to ifindex ${spec.redirectTo}`,
  });
}
