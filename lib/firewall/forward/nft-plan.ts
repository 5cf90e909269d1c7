import type { Ip } from '../../addr/index.ts';
import type { Owner } from '../../core/index.ts';
import { ipText } from '../ip-text.ts';
import type { NftListedRule, NftListing } from '../nft-json.ts';
import {
  ADMIN_COMMENT,
  FORWARD_CHAIN,
  ISOLATION_STAGE_1,
  ISOLATION_STAGE_2,
  NFT_FIREWALL_TABLE,
  NFT_FIREWALL_TABLE_COMMENT,
  NFT_FORWARD_HOOK_CHAIN,
  SHARED_ISOLATION_COMMENT,
  nftNetworkPrefix,
  nftOwnerComment,
  policyComment,
} from './names.ts';
import type { BridgeIsolation, ForwardSpec } from './types.ts';

// Pure plans for the firewall plugin in nftables. Go's firewall plugin has no nftables
// backend, so this layout is ours, made to read like Go's iptables one: table
// `inet cni_plugins_firewall`, a base chain `forward` (hook forward, priority filter, policy
// accept) that jumps to CNI-ISOLATION-STAGE-1 and then to CNI-FORWARD; CNI-FORWARD jumps to
// the admin chain first, then holds two ACCEPT rules per pod address. Unlike Go's, the
// address rules carry the owner comment of our masquerade rules, so DEL without prevResult
// and GC find them. Each ADD and DEL is one `nft -f -` transaction.

const T = `inet ${NFT_FIREWALL_TABLE}`;

function quote(s: string): string {
  return `"${s.replaceAll('"', '')}"`;
}

function proto(ip: Ip): string {
  return ip.family === 4 ? 'ip' : 'ip6';
}

/** The two ACCEPT rule bodies of one pod address, in nft's input syntax. */
export function nftAddressRules(ip: Ip): [string, string] {
  const p = proto(ip);
  const a = ipText(ip);
  return [`${p} daddr ${a} ct state established,related accept`, `${p} saddr ${a} accept`];
}

/** A listed address rule of `ip`, recognised by its rendering (nft -j prints `==` on matches). */
function isAddressRule(r: NftListedRule, ip: Ip, which: 'daddr' | 'saddr'): boolean {
  const head = `${proto(ip)} ${which} == ${ipText(ip)} `;
  if (!r.text.startsWith(head) || !r.text.endsWith('accept')) return false;
  return which === 'saddr' ? r.text === `${head}accept` : r.text.includes('established');
}

/** Stage-1 and stage-2 rules of a bridge: [chain, body, comment, listed rendering]. */
export function nftIsolationRules(iso: BridgeIsolation): [string, string, string, string][] {
  const b = quote(iso.bridge);
  const bare = iso.bridge.replaceAll('"', '');
  const rules: [string, string, string, string][] = [
    [ISOLATION_STAGE_1, `iifname ${b} oifname != ${b} jump ${ISOLATION_STAGE_2}`, policyComment(iso.policy), `meta iifname == ${bare} meta oifname != ${bare} jump ${ISOLATION_STAGE_2}`],
  ];
  if (iso.policy === 'isolated') rules.push([ISOLATION_STAGE_1, `iifname ${b} oifname ${b} drop`, policyComment('isolated'), `meta iifname == ${bare} meta oifname == ${bare} drop`]);
  rules.push([ISOLATION_STAGE_2, `oifname ${b} drop`, SHARED_ISOLATION_COMMENT, `meta oifname == ${bare} drop`]);
  return rules;
}

const BASE_RULES = [`jump ${ISOLATION_STAGE_1}`, `jump ${FORWARD_CHAIN}`];

function rulesOf(listing: NftListing, chain: string): NftListedRule[] {
  return listing.rules.filter((r) => r.family === 'inet' && r.table === NFT_FIREWALL_TABLE && r.chain === chain);
}

function hasRule(listing: NftListing, chain: string, text: string, comment: string): boolean {
  return rulesOf(listing, chain).some((r) => r.text === text && r.comment === comment);
}

/** Handles of the owner's rules in CNI-FORWARD. */
export function ownerHandles(listing: NftListing, owner: Owner): number[] {
  const comment = nftOwnerComment(owner);
  return rulesOf(listing, FORWARD_CHAIN).filter((r) => r.comment === comment).map((r) => r.handle);
}

/** Handles of `network`'s rules in CNI-FORWARD whose owner is not a valid attachment. */
export function gcHandles(listing: NftListing, network: string, valid: readonly { containerId: string; ifname: string }[]): number[] {
  const prefix = nftNetworkPrefix(network);
  const keep = new Set(valid.map((a) => nftOwnerComment({ network, ...a })));
  return rulesOf(listing, FORWARD_CHAIN)
    .filter((r) => r.comment !== undefined && r.comment.startsWith(prefix) && !keep.has(r.comment))
    .map((r) => r.handle);
}

/**
 * The ADD transaction from a listing of the table (empty when it does not exist yet): the
 * table and chains (`add` is a no-op for existing ones), the base chain's two jumps when they
 * are not exactly there, the admin jump when missing, the owner's earlier rules replaced by
 * the addresses' rules, and the bridge's isolation rules when missing.
 */
export function nftSetupScript(spec: ForwardSpec, listing: NftListing): string {
  const lines = [
    `add table ${T} { comment ${quote(NFT_FIREWALL_TABLE_COMMENT)} ; }`,
    ...[FORWARD_CHAIN, spec.adminChain, ISOLATION_STAGE_1, ISOLATION_STAGE_2].map((c) => `add chain ${T} ${c}`),
    `add chain ${T} ${NFT_FORWARD_HOOK_CHAIN} { type filter hook forward priority filter ; policy accept ; }`,
  ];
  const base = rulesOf(listing, NFT_FORWARD_HOOK_CHAIN).map((r) => r.text);
  if (base.join('\n') !== BASE_RULES.join('\n')) {
    // isolation first: an ACCEPT ends this base chain, and the drops must have been seen
    lines.push(`flush chain ${T} ${NFT_FORWARD_HOOK_CHAIN}`, ...BASE_RULES.map((r) => `add rule ${T} ${NFT_FORWARD_HOOK_CHAIN} ${r}`));
  }
  if (!hasRule(listing, FORWARD_CHAIN, `jump ${spec.adminChain}`, ADMIN_COMMENT)) {
    lines.push(`insert rule ${T} ${FORWARD_CHAIN} jump ${spec.adminChain} comment ${quote(ADMIN_COMMENT)}`);
  }
  lines.push(...ownerHandles(listing, spec).map((h) => `delete rule ${T} ${FORWARD_CHAIN} handle ${h}`));
  const owner = quote(nftOwnerComment(spec));
  for (const ip of spec.ips) for (const body of nftAddressRules(ip)) lines.push(`add rule ${T} ${FORWARD_CHAIN} ${body} comment ${owner}`);
  if (spec.isolation) {
    for (const [chain, body, comment, listed] of nftIsolationRules(spec.isolation)) {
      if (!hasRule(listing, chain, listed, comment)) lines.push(`add rule ${T} ${chain} ${body} comment ${quote(comment)}`);
    }
  }
  return [...lines, ''].join('\n');
}

/** A transaction deleting the given rules of CNI-FORWARD. */
export function nftDeleteScript(handles: readonly number[]): string {
  return [...handles.map((h) => `delete rule ${T} ${FORWARD_CHAIN} handle ${h}`), ''].join('\n');
}

/** What CHECK finds missing in a listing of the table. */
export function nftMissing(spec: ForwardSpec, listing: NftListing): string[] {
  const missing: string[] = [];
  const base = listing.chains.find((c) => c.family === 'inet' && c.table === NFT_FIREWALL_TABLE && c.name === NFT_FORWARD_HOOK_CHAIN);
  if (!base || base.hook !== 'forward') missing.push(`base chain ${T} ${NFT_FORWARD_HOOK_CHAIN} (filter, hook forward)`);
  const baseRules = rulesOf(listing, NFT_FORWARD_HOOK_CHAIN).map((r) => r.text);
  for (const r of BASE_RULES) if (!baseRules.includes(r)) missing.push(`rule ${T} ${NFT_FORWARD_HOOK_CHAIN} ${r}`);
  if (!hasRule(listing, FORWARD_CHAIN, `jump ${spec.adminChain}`, ADMIN_COMMENT)) missing.push(`rule ${T} ${FORWARD_CHAIN} jump ${spec.adminChain}`);
  const comment = nftOwnerComment(spec);
  const mine = rulesOf(listing, FORWARD_CHAIN).filter((r) => r.comment === comment);
  for (const ip of spec.ips) {
    const [d, s] = nftAddressRules(ip);
    if (!mine.some((r) => isAddressRule(r, ip, 'daddr'))) missing.push(`rule ${T} ${FORWARD_CHAIN} ${d}`);
    if (!mine.some((r) => isAddressRule(r, ip, 'saddr'))) missing.push(`rule ${T} ${FORWARD_CHAIN} ${s}`);
  }
  if (spec.isolation) {
    for (const [chain, body, c, listed] of nftIsolationRules(spec.isolation)) if (!hasRule(listing, chain, listed, c)) missing.push(`rule ${T} ${chain} ${body}`);
  }
  return missing;
}
