import { nftMasqComment, nftMasqNetworkHash } from '../names.ts';
import type { Owner } from '../../core/index.ts';

// The firewall plugin's chain names and comments: an on-host contract with Go's firewall
// plugin (plugins/meta/firewall, v1.9.x), so either implementation finds the other's rules.

/** The chain FORWARD jumps to, holding the per-address ACCEPT rules. */
export const FORWARD_CHAIN = 'CNI-FORWARD';
/** The default user-owned chain jumped to first from FORWARD_CHAIN. */
export const DEFAULT_ADMIN_CHAIN = 'CNI-ADMIN';
/** Bridge isolation, first stage: traffic leaving an isolated bridge for another interface. */
export const ISOLATION_STAGE_1 = 'CNI-ISOLATION-STAGE-1';
/** Bridge isolation, second stage: dropped when it enters another isolated bridge. */
export const ISOLATION_STAGE_2 = 'CNI-ISOLATION-STAGE-2';
/** Chains a configured admin chain must not be named after. */
export const RESERVED_CHAINS: readonly string[] = ['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING', FORWARD_CHAIN, ISOLATION_STAGE_1, ISOLATION_STAGE_2];

/** Comment on the FORWARD -> CNI-FORWARD jump. */
export const RULES_COMMENT = 'CNI firewall plugin rules';
/** Comment on the CNI-FORWARD -> admin chain jump. */
export const ADMIN_COMMENT = 'CNI firewall plugin admin overrides';
/** Comment Go v1.7+ puts on the isolation rules every policy shares (jump, RETURNs, stage 2). */
export const SHARED_ISOLATION_COMMENT = 'CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)';

/** Comment on a policy's own stage-1 rules (and, in Go 1.1.1, on every isolation rule). */
export function policyComment(policy: 'same-bridge' | 'isolated'): string {
  return `CNI firewall plugin rules (ingressPolicy: ${policy})`;
}

/** The nftables table of the firewall plugin (ours: Go's firewall has no nftables backend). */
export const NFT_FIREWALL_TABLE = 'cni_plugins_firewall';
/** Its base chain, on the forward hook. */
export const NFT_FORWARD_HOOK_CHAIN = 'forward';
export const NFT_FIREWALL_TABLE_COMMENT = 'CNI firewall plugin (cni-ts): per-pod forward accepts and bridge isolation';

/**
 * The owner comment on an attachment's nft rules: the same `<hash(network)>-<hash(if:id)>,
 * net: .., if: .., id: ..` form as the masquerade rules, so GC and DEL find them by prefix.
 */
export function nftOwnerComment(owner: Owner): string {
  return nftMasqComment(owner.network, owner.ifname, owner.containerId);
}

/** The prefix all of one network's nft owner comments share. */
export function nftNetworkPrefix(network: string): string {
  return `${nftMasqNetworkHash(network)}-`;
}
