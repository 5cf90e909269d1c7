import { type CommandRunner, type MasqueradeBackend, usableBackends } from '../../lib/firewall/index.ts';
import { NETLINK_NETFILTER, NetlinkSocket, encodeNfGenMsg, isNetlinkError, stringAttr } from '../../lib/netlink/index.ts';

// Whether an nftables table exists, asked over netlink (one round trip) instead of by running
// `nft list` (a process: ~5-10 ms of a DEL). DEL and GC must look in both masquerade backends,
// since the ADD may have used either; on most nodes one of them was never used at all.

const NFNL_SUBSYS_NFTABLES = 10;
const NFT_MSG_GETTABLE = 1;
const NFTA_TABLE_NAME = 1;
/** nfproto values of the table families the bridge plugin uses. */
const FAMILIES = { inet: 1, bridge: 7 } as const;

/**
 * True when the table exists, false when the kernel says it does not (ENOENT). Any other
 * outcome (no nf_tables, no permission, an old kernel) answers true: the caller then runs
 * the tool, which gives the real answer.
 */
export function nftTableMayExist(family: keyof typeof FAMILIES, name: string): boolean {
  let sock: NetlinkSocket | undefined;
  try {
    sock = NetlinkSocket.open(NETLINK_NETFILTER);
    sock.request({
      type: (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE,
      header: encodeNfGenMsg({ family: FAMILIES[family] }),
      attrs: [stringAttr(NFTA_TABLE_NAME, name)],
      what: `get nftables table ${family} ${name}`,
    });
    return true;
  } catch (e) {
    return !isNetlinkError(e, 'ENOENT');
  } finally {
    sock?.close();
  }
}

/** The nftables masquerade backend's table (lib/firewall's layout, the reference's). */
const MASQ_TABLE = 'cni_plugins_masquerade';

/**
 * The masquerade backends a DEL or GC must look in: every installed one, except nftables
 * when its table does not exist (then no rule of ours can be there).
 */
export function masqBackendsInUse(runner: CommandRunner): MasqueradeBackend[] {
  return usableBackends(runner).filter((b) => b.name !== 'nftables' || nftTableMayExist('inet', MASQ_TABLE));
}
