import type { Family, Ip } from '../../addr/index.ts';
import { hostCidrText } from '../ip-text.ts';
import { parseListedRules, saveString } from '../iptables-save.ts';
import {
  ADMIN_COMMENT,
  FORWARD_CHAIN,
  ISOLATION_STAGE_1,
  ISOLATION_STAGE_2,
  RULES_COMMENT,
  SHARED_ISOLATION_COMMENT,
  policyComment,
} from './names.ts';
import type { BridgeIsolation, ForwardSpec } from './types.ts';

// Pure plans for the firewall plugin's rules in iptables table filter, in the exact shapes
// Go's firewall plugin (v1.9.x) writes, as iptables-save prints them (matches before the
// target), so a listed rule and a planned one compare as strings. The apply side
// (iptables-backend.ts) lists the table once and runs one iptables-restore per family.

const comment = (text: string): string => `-m comment --comment ${saveString(text)}`;

/** FORWARD -> CNI-FORWARD. */
export const FORWARD_JUMP = `${comment(RULES_COMMENT)} -j ${FORWARD_CHAIN}`;
/** FORWARD -> CNI-ISOLATION-STAGE-1 (above the CNI-FORWARD jump). */
export const STAGE_1_JUMP = `${comment(SHARED_ISOLATION_COMMENT)} -j ${ISOLATION_STAGE_1}`;
/** The RETURN closing both isolation chains. */
export const ISOLATION_RETURN = `${comment(SHARED_ISOLATION_COMMENT)} -j RETURN`;

/** CNI-FORWARD -> the admin chain. */
export function adminJump(adminChain: string): string {
  return `${comment(ADMIN_COMMENT)} -j ${adminChain}`;
}

/** The two ACCEPT rules of one pod address (Go's getPrivChainRules). */
export function addressRules(ip: Ip): string[] {
  const host = hostCidrText(ip);
  return [`-d ${host} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `-s ${host} -j ACCEPT`];
}

/** Stage 1: traffic from the bridge to anywhere else goes on to stage 2. */
export function stage1BridgeRule(iso: BridgeIsolation): string {
  return `-i ${iso.bridge} ! -o ${iso.bridge} ${comment(policyComment(iso.policy))} -j ${ISOLATION_STAGE_2}`;
}

/** Stage 1 of `isolated`: pods on the bridge may not reach each other either. */
export function stage1DropRule(bridge: string): string {
  return `-i ${bridge} -o ${bridge} ${comment(policyComment('isolated'))} -j DROP`;
}

/** Stage 2: whatever came from another isolated bridge and enters this one is dropped. */
export function stage2DropRule(bridge: string): string {
  return `-o ${bridge} ${comment(SHARED_ISOLATION_COMMENT)} -j DROP`;
}

/**
 * The same rule as Go 1.1.1 wrote it: one policy comment on every isolation rule. Accepted by
 * CHECK, so a node that ran Debian's plugin passes; ADD writes the v1.9 form.
 */
function legacyIsolationForm(rule: string, policy: 'same-bridge' | 'isolated'): string {
  return rule.replace(comment(SHARED_ISOLATION_COMMENT), comment(policyComment(policy)));
}

/** The pod's addresses of one family. */
export function addressesOf(spec: ForwardSpec, family: Family): Ip[] {
  return spec.ips.filter((ip) => ip.family === family);
}

/** The families the spec has addresses in (Go installs nothing, isolation included, in the others). */
export function familiesOf(spec: ForwardSpec): Family[] {
  return ([4, 6] as const).filter((f) => addressesOf(spec, f).length > 0);
}

/** A `iptables -t filter -S` (or iptables-save) listing: its chains and the rules of each, in order. */
export interface FilterTable {
  readonly chains: ReadonlySet<string>;
  readonly rules: ReadonlyMap<string, readonly string[]>;
}

/** Reads a listing (`-P`/`-N`/`:` lines name chains; `-A` lines are rules). */
export function readFilterTable(listing: string): FilterTable {
  const chains = new Set<string>();
  for (const line of listing.split('\n')) {
    const m = /^(?:-[PN] |:)(\S+)/.exec(line);
    if (m) chains.add(m[1] as string);
  }
  const rules = new Map<string, string[]>();
  for (const r of parseListedRules(listing)) {
    chains.add(r.chain);
    rules.set(r.chain, [...(rules.get(r.chain) ?? []), r.spec]);
  }
  return { chains, rules };
}

function has(t: FilterTable, chain: string, spec: string): boolean {
  return t.rules.get(chain)?.includes(spec) ?? false;
}

function restore(lines: readonly string[]): string {
  return ['*filter', ...lines, 'COMMIT', ''].join('\n');
}

/**
 * The ADD transaction of one family, from the table as listed: only what is missing is added,
 * with Go's positions (jumps and bridge rules inserted first, RETURNs and addresses appended).
 * Undefined when nothing is missing. A chain created meanwhile by another ADD makes its `-N`
 * fail, and with it the whole transaction: the caller lists again and re-plans.
 */
export function setupRestore(spec: ForwardSpec, family: Family, table: FilterTable): string | undefined {
  const addrs = addressesOf(spec, family);
  if (addrs.length === 0) return undefined;
  const lines: string[] = [];
  const ensureChain = (chain: string): void => {
    if (!table.chains.has(chain)) lines.push(`-N ${chain}`);
  };
  ensureChain(FORWARD_CHAIN);
  ensureChain(spec.adminChain);
  if (!has(table, 'FORWARD', FORWARD_JUMP)) {
    // Go inserts at 1; below an existing isolation jump instead, or a pod's ACCEPT would let
    // its traffic past the isolation of another network (Go's order when it adds both at once)
    const forward = table.rules.get('FORWARD') ?? [];
    const isolationAt = forward.findIndex((s) => s.endsWith(`-j ${ISOLATION_STAGE_1}`));
    lines.push(`-I FORWARD ${isolationAt + 2} ${FORWARD_JUMP}`);
  }
  if (!has(table, FORWARD_CHAIN, adminJump(spec.adminChain))) lines.push(`-I ${FORWARD_CHAIN} 1 ${adminJump(spec.adminChain)}`);
  for (const ip of addrs) for (const r of addressRules(ip)) if (!has(table, FORWARD_CHAIN, r)) lines.push(`-A ${FORWARD_CHAIN} ${r}`);
  const iso = spec.isolation;
  if (iso) {
    ensureChain(ISOLATION_STAGE_1);
    ensureChain(ISOLATION_STAGE_2);
    if (!has(table, 'FORWARD', STAGE_1_JUMP)) lines.push(`-I FORWARD 1 ${STAGE_1_JUMP}`);
    if (!has(table, ISOLATION_STAGE_1, stage1BridgeRule(iso))) lines.push(`-I ${ISOLATION_STAGE_1} 1 ${stage1BridgeRule(iso)}`);
    if (iso.policy === 'isolated' && !has(table, ISOLATION_STAGE_1, stage1DropRule(iso.bridge))) lines.push(`-I ${ISOLATION_STAGE_1} 1 ${stage1DropRule(iso.bridge)}`);
    if (!has(table, ISOLATION_STAGE_1, ISOLATION_RETURN)) lines.push(`-A ${ISOLATION_STAGE_1} ${ISOLATION_RETURN}`);
    if (!has(table, ISOLATION_STAGE_2, stage2DropRule(iso.bridge))) lines.push(`-I ${ISOLATION_STAGE_2} 1 ${stage2DropRule(iso.bridge)}`);
    if (!has(table, ISOLATION_STAGE_2, ISOLATION_RETURN)) lines.push(`-A ${ISOLATION_STAGE_2} ${ISOLATION_RETURN}`);
  }
  return lines.length === 0 ? undefined : restore(lines);
}

/**
 * The DEL transaction when every rule is there: delete each address's two rules. It fails
 * as a whole when one is already gone; the caller then plans from a listing.
 */
export function fastTeardownRestore(addrs: readonly Ip[]): string | undefined {
  const lines = addrs.flatMap((ip) => addressRules(ip).map((r) => `-D ${FORWARD_CHAIN} ${r}`));
  return lines.length === 0 ? undefined : restore(lines);
}

/**
 * The DEL transaction from a `-S CNI-FORWARD` listing: every listed copy of the addresses'
 * rules. Shared chains, jumps and isolation rules stay, as in Go (other pods, other networks
 * and the admin's rules depend on them). Undefined when nothing of the addresses is there.
 */
export function listedTeardownRestore(addrs: readonly Ip[], chainListing: string): string | undefined {
  const mine = new Set(addrs.flatMap(addressRules));
  const lines = parseListedRules(chainListing)
    .filter((r) => r.chain === FORWARD_CHAIN && mine.has(r.spec))
    .map((r) => `-D ${FORWARD_CHAIN} ${r.spec}`);
  return lines.length === 0 ? undefined : restore(lines);
}

/**
 * What CHECK finds missing in one family's listing, as the iptables lines that would add it.
 * Go checks the chains, both jumps and the address rules; the isolation rules are checked
 * too here (in either Go's 1.9 or its 1.1.1 comment form).
 */
export function missingRules(spec: ForwardSpec, family: Family, table: FilterTable): string[] {
  const addrs = addressesOf(spec, family);
  if (addrs.length === 0) return [];
  const missing: string[] = [];
  for (const chain of [FORWARD_CHAIN, spec.adminChain]) if (!table.chains.has(chain)) missing.push(`-N ${chain}`);
  const want = (chain: string, rule: string, ...alternatives: string[]): void => {
    if (![rule, ...alternatives].some((r) => has(table, chain, r))) missing.push(`-A ${chain} ${rule}`);
  };
  want('FORWARD', FORWARD_JUMP);
  want(FORWARD_CHAIN, adminJump(spec.adminChain));
  for (const ip of addrs) for (const r of addressRules(ip)) want(FORWARD_CHAIN, r);
  const iso = spec.isolation;
  if (iso) {
    const legacy = (r: string): string => legacyIsolationForm(r, iso.policy);
    want('FORWARD', STAGE_1_JUMP, legacy(STAGE_1_JUMP));
    want(ISOLATION_STAGE_1, stage1BridgeRule(iso));
    if (iso.policy === 'isolated') want(ISOLATION_STAGE_1, stage1DropRule(iso.bridge));
    want(ISOLATION_STAGE_2, stage2DropRule(iso.bridge), legacy(stage2DropRule(iso.bridge)));
  }
  return missing;
}
