import { NETLINK_NETFILTER, NetlinkSocket, encodeNfGenMsg, isNetlinkError, stringAttr } from '../netlink/index.ts';
import type { NftTableRef } from './backend.ts';

// Whether an nftables table exists, asked over netlink (one round trip) instead of by running
// `nft list` (a process: ~5-10 ms of a DEL). DEL and GC must look in every backend, since the
// ADD may have used either; on most nodes one of them was never used at all.

const NFNL_SUBSYS_NFTABLES = 10;
const NFT_MSG_GETTABLE = 1;
const NFTA_TABLE_NAME = 1;
/** The kernel's nfproto value of each table family. */
const NFPROTO: Record<NftTableRef['family'], number> = { inet: 1, ip: 2, bridge: 7, ip6: 10 };

/**
 * True when the table exists, false when the kernel says it does not (ENOENT). Any other
 * outcome (no nf_tables, no permission, an old kernel) answers true: the caller then runs
 * the tool, which gives the real answer.
 */
export function nftTableMayExist(table: NftTableRef): boolean {
  let sock: NetlinkSocket | undefined;
  try {
    sock = NetlinkSocket.open(NETLINK_NETFILTER);
    sock.request({
      type: (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE,
      header: encodeNfGenMsg({ family: NFPROTO[table.family] }),
      attrs: [stringAttr(NFTA_TABLE_NAME, table.name)],
      what: `get nftables table ${table.family} ${table.name}`,
    });
    return true;
  } catch (e) {
    return !isNetlinkError(e, 'ENOENT');
  } finally {
    sock?.close();
  }
}
