import { NETLINK_NETFILTER, NFGENMSG_LEN, NetlinkSocket, attrMap, encodeNfGenMsg, isNetlinkError, readString, stringAttr } from '../netlink/index.ts';
import type { NftRulesRef } from './backend.ts';

// Whether the kernel holds a feature's per-pod rules, asked over netlink: STATUS needs this
// answer exactly when the firewall tool that would read them is missing, so it cannot run
// `nft list` or `iptables-save`. iptables-nft keeps its rules in nftables tables too (`ip nat`,
// `ip6 nat`), so the same dump sees them; iptables-legacy rules are invisible here.

const NFNL_SUBSYS_NFTABLES = 10;
const NFT_MSG_GETRULE = 7;
const NFTA_RULE_TABLE = 1;
const NFTA_RULE_CHAIN = 2;
/** The kernel's nfproto value of each table family. */
const NFPROTO: Record<NftRulesRef['family'], number> = { inet: 1, ip: 2, bridge: 7, ip6: 10 };

/**
 * The number of rules in the table's chains whose name matches `ref.chain`, or undefined when
 * the kernel gave no answer (no nf_tables, no permission). A missing table counts 0.
 */
export function countKernelRules(ref: NftRulesRef): number | undefined {
  let sock: NetlinkSocket | undefined;
  try {
    sock = NetlinkSocket.open(NETLINK_NETFILTER);
    const messages = sock.dump({
      type: (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE,
      header: encodeNfGenMsg({ family: NFPROTO[ref.family] }),
      // the kernel filters by table when it can; the filter below is the one relied on
      attrs: [stringAttr(NFTA_RULE_TABLE, ref.table)],
      what: `list nftables rules of ${ref.family} ${ref.table}`,
    });
    let count = 0;
    for (const msg of messages) {
      const attrs = attrMap(msg.payload.subarray(NFGENMSG_LEN));
      const table = attrs.get(NFTA_RULE_TABLE);
      const chain = attrs.get(NFTA_RULE_CHAIN);
      if (table === undefined || chain === undefined || readString(table) !== ref.table) continue;
      if (ref.chain.test(readString(chain))) count++;
    }
    return count;
  } catch (e) {
    return isNetlinkError(e, 'ENOENT') ? 0 : undefined;
  } finally {
    sock?.close();
  }
}

/** True only when the kernel says the ref's chains hold more rules than they have with no pod. */
export function podRulesPresent(ref: NftRulesRef): boolean {
  const n = countKernelRules(ref);
  return n !== undefined && n > (ref.baseRules ?? 0);
}
