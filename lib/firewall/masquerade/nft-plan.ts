import type { NormalAddress } from './addresses.ts';
import {
  NFT_MASQ_CHAIN,
  NFT_MASQ_CHAIN_COMMENT,
  NFT_MASQ_POSTROUTING,
  NFT_MASQ_TABLE,
  NFT_MASQ_TABLE_COMMENT,
  nftMasqComment,
  nftMasqInstanceHash,
  nftMasqNetworkHash,
} from '../names.ts';
import type { NftListing } from '../nft-json.ts';

// Pure plans for the masquerade rules in table `inet cni_plugins_masquerade`, in the layout
// of the Go plugins (pkg/ip/ipmasq_nftables_linux.go): one rule per address in masq_checks,
// identified by a hash-prefixed comment. Scripts are fed to `nft -f -` (one transaction).

const T = `inet ${NFT_MASQ_TABLE}`;

/** The rule body (without comment) for one address, in nft's input syntax. */
export function nftMasqRuleBody(a: NormalAddress): string {
  const p = a.family === 4 ? 'ip' : 'ip6';
  return `${p} saddr == ${a.ip} ${p} daddr != ${a.subnet} masquerade`;
}

function quote(s: string): string {
  return `"${s.replaceAll('"', '')}"`;
}

/**
 * The ADD transaction: ensure the table and both chains (rewriting the base chain as Go
 * does on every ADD), delete the attachment's stale rules, add one rule per address.
 */
export function nftSetupScript(
  id: { readonly network: string; readonly ifname: string; readonly containerId: string },
  addrs: readonly NormalAddress[],
  staleHandles: readonly number[],
): string {
  const comment = quote(nftMasqComment(id.network, id.ifname, id.containerId));
  return [
    `add table ${T} { comment ${quote(NFT_MASQ_TABLE_COMMENT)} ; }`,
    `add chain ${T} ${NFT_MASQ_CHAIN} { comment ${quote(NFT_MASQ_CHAIN_COMMENT)} ; }`,
    `add chain ${T} ${NFT_MASQ_POSTROUTING} { type nat hook postrouting priority srcnat ; }`,
    `flush chain ${T} ${NFT_MASQ_POSTROUTING}`,
    `add rule ${T} ${NFT_MASQ_POSTROUTING} ip daddr == 224.0.0.0/4 return`,
    `add rule ${T} ${NFT_MASQ_POSTROUTING} ip6 daddr == ff00::/8 return`,
    `add rule ${T} ${NFT_MASQ_POSTROUTING} goto ${NFT_MASQ_CHAIN}`,
    ...staleHandles.map((h) => `delete rule ${T} ${NFT_MASQ_CHAIN} handle ${h}`),
    ...addrs.map((a) => `add rule ${T} ${NFT_MASQ_CHAIN} ${nftMasqRuleBody(a)} comment ${comment}`),
    '',
  ].join('\n');
}

/** A transaction deleting the given rules of masq_checks. */
export function nftDeleteScript(handles: readonly number[]): string {
  return [...handles.map((h) => `delete rule ${T} ${NFT_MASQ_CHAIN} handle ${h}`), ''].join('\n');
}

function masqRules(listing: NftListing): NftListing['rules'] {
  return listing.rules.filter((r) => r.family === 'inet' && r.table === NFT_MASQ_TABLE && r.chain === NFT_MASQ_CHAIN);
}

/** Handles of one attachment's rules (matched by the instance-hash comment prefix). */
export function instanceHandles(listing: NftListing, network: string, ifname: string, containerId: string): number[] {
  const prefix = nftMasqInstanceHash(network, ifname, containerId);
  return masqRules(listing)
    .filter((r) => r.comment?.startsWith(prefix))
    .map((r) => r.handle);
}

/** Handles of `network`'s rules whose comment is not one a valid attachment would carry. */
export function gcHandles(listing: NftListing, network: string, valid: readonly { containerId: string; ifname: string }[]): number[] {
  const prefix = `${nftMasqNetworkHash(network)}-`;
  const keep = new Set(valid.map((a) => nftMasqComment(network, a.ifname, a.containerId)));
  return masqRules(listing)
    .filter((r) => r.comment !== undefined && r.comment.startsWith(prefix) && !keep.has(r.comment))
    .map((r) => r.handle);
}

/** What CHECK finds missing in a `nft -j list table inet cni_plugins_masquerade` listing. */
export function nftMissing(
  listing: NftListing,
  id: { readonly network: string; readonly ifname: string; readonly containerId: string },
  addrs: readonly NormalAddress[],
): string[] {
  const missing: string[] = [];
  const base = listing.chains.find((c) => c.family === 'inet' && c.table === NFT_MASQ_TABLE && c.name === NFT_MASQ_POSTROUTING);
  if (!base || base.type !== 'nat' || base.hook !== 'postrouting') missing.push(`base chain ${T} ${NFT_MASQ_POSTROUTING} (nat, hook postrouting)`);
  const jumps = listing.rules.some((r) => r.table === NFT_MASQ_TABLE && r.chain === NFT_MASQ_POSTROUTING && r.text === `goto ${NFT_MASQ_CHAIN}`);
  if (!jumps) missing.push(`rule ${T} ${NFT_MASQ_POSTROUTING} goto ${NFT_MASQ_CHAIN}`);
  const comment = nftMasqComment(id.network, id.ifname, id.containerId);
  const mine = masqRules(listing).filter((r) => r.comment === comment);
  for (const a of addrs) {
    // the listing renders `==` on the saddr match, as the input does
    if (!mine.some((r) => r.text === nftMasqRuleBody(a))) missing.push(`rule ${T} ${NFT_MASQ_CHAIN} ${nftMasqRuleBody(a)} comment "${comment}"`);
  }
  return missing;
}
