import { sha512Hex } from '../names.ts';
import type { NftListedRule, NftListing } from '../nft-json.ts';
import { PortmapInputError } from './errors.ts';
import type { Family } from '../../addr/index.ts';
import type { FamilyView,  } from './spec.ts';
import type { PortmapSpec } from './types.ts';
import type { Attachment, Owner } from '../../core/index.ts';

// The Go nftables portmap layout (tables `ip cni_hostport` / `ip6 cni_hostport`), without its
// quirks: conditions sit on each attachment's own rules, so the shared dispatch chains are
// written once (when the table is created) and never flushed by an ordinary ADD. Rules carry
// the container ID as their whole comment, as Go's (plugins/meta/portmap/portmap_nftables.go,
// v1.9.x) do, because Go's DEL deletes exactly the rules whose comment equals the container
// ID: a node switched in place to the Go plugin still removes ours. Within one container the
// attachment is told by its addresses (each network and interface has its own).
// docs/nftables-layouts.md compares the two layouts rule by rule.

/** The table name, in families `ip` and `ip6` (Go's, so either implementation finds the other's). */
export const NFT_TABLE = 'cni_hostport';
/** Go's table comment (nft ignores a different comment on an existing table). */
export const NFT_TABLE_COMMENT = 'CNI portmap plugin';
/** Per-mapping DNAT rules (ours, and Go's for mappings without hostIP). */
export const HOSTPORTS = 'hostports';
/** Go < 1.9 put hostIP mappings here; kept (empty) and still searched on teardown. */
export const HOSTIP_HOSTPORTS = 'hostip_hostports';
/** Regular chain jumping to hostip_hostports and hostports; written once per table. */
export const HOSTPORTS_ALL = 'hostports_all';
/** nat prerouting base chain (priority dstnat): `fib daddr type local jump hostports_all`. */
export const PREROUTING = 'prerouting';
/** nat output base chain (priority -100): the same jump, for connections from the node itself. */
export const OUTPUT = 'output';
/** nat postrouting base chain (priority srcnat): per-attachment hairpin and localhost masquerade. */
export const MASQUERADING = 'masquerading';
/** IPv4 only: 127.0.0.0/8, used by the localnet guard and probed by every ADD that needs the guard. */
export const LOCALNET_SET = 'localnet';
/** filter input/output base chains holding the IPv4 localnet guard (kube-proxy's rule, in nft). */
export const LOCALNET_INPUT = 'localnet_input';
/** See LOCALNET_INPUT. */
export const LOCALNET_OUTPUT = 'localnet_output';
/** The guard rule's comment, which CHECK looks for. */
export const LOCALNET_GUARD_COMMENT = 'CNI portmap: block incoming localnet connections';

/** Chains that can hold an attachment's rules. */
export const OWNED_RULE_CHAINS: readonly string[] = [HOSTPORTS, HOSTIP_HOSTPORTS, MASQUERADING];

/** nft's limit on a comment, in bytes. */
const COMMENT_MAX = 128;

function fam(family: Family): 'ip' | 'ip6' {
  return family === 4 ? 'ip' : 'ip6';
}

/** 16 hex chars of sha512(network): the prefix of every comment our earlier versions wrote. */
export function nftNetworkHash(network: string): string {
  return sha512Hex(network).slice(0, 16);
}

/**
 * `<hash(network)>-<hash(ifname:containerID)>`: the fixed-length ownership key at the start of
 * the comments our earlier versions wrote (and still write when the container ID cannot be a
 * comment of its own, see nftOwnerComment); DEL and GC still recognise it.
 */
export function nftOwnerKey(owner: Owner): string {
  return `${nftNetworkHash(owner.network)}-${sha512Hex(`${owner.ifname}:${owner.containerId}`).slice(0, 16)}`;
}

/**
 * The comment of earlier versions: the ownership key, then a readable description (double
 * quotes and backslashes removed), cut to nft's 128 bytes.
 */
export function legacyNftOwnerComment(owner: Owner): string {
  const strip = (s: string): string => s.replace(/["\\]/g, '');
  const full = `${nftOwnerKey(owner)}, net: ${strip(owner.network)}, if: ${strip(owner.ifname)}, id: ${strip(owner.containerId)}`;
  const bytes = Buffer.from(full, 'utf8');
  return bytes.length <= COMMENT_MAX ? full : bytes.subarray(0, COMMENT_MAX).toString('utf8').replace(/\uFFFD+$/, '');
}

/** Whether the container ID can be a whole nft comment: at most 128 bytes, nothing nft's quoting cannot carry. */
function idFitsComment(containerId: string): boolean {
  return Buffer.byteLength(containerId, 'utf8') <= COMMENT_MAX && !/["\\\n\r]/.test(containerId);
}

/**
 * The comment on an attachment's rules: the container ID alone, which is what Go writes and
 * what Go's DEL looks for. An ID nft cannot carry as a comment (over 128 bytes, or holding a
 * quote, backslash or line break; Go's ADD fails for those) gets the legacy comment instead.
 */
export function nftOwnerComment(owner: Owner): string {
  return idFitsComment(owner.containerId) ? owner.containerId : legacyNftOwnerComment(owner);
}

/**
 * Whether a listed rule belongs to the attachment. Rules whose comment is the container ID
 * (ours now, and Go's) are claimed when they mention one of the attachment's addresses (the
 * same container on another network has another address), or, when teardown does not know
 * the addresses, by container ID alone, as Go's own DEL does. Rules of earlier versions carry
 * the ownership key.
 */
export function ownsRule(rule: Pick<NftListedRule, 'comment' | 'text'>, owner: Owner, addresses: readonly string[] | undefined): boolean {
  const c = rule.comment;
  if (c === undefined) return false;
  if (c.startsWith(`${nftOwnerKey(owner)},`) || c === nftOwnerKey(owner)) return true;
  if (c !== owner.containerId) return false;
  if (addresses === undefined) return true;
  // addresses appear in the rendered text as bare words or JSON strings
  return addresses.some((ip) => ` ${rule.text} `.replace(/"/g, ' ').includes(` ${ip} `));
}

/**
 * nft conditions are spliced into `add rule` lines: `;` would end the command and `#` would
 * turn the rest of the line, our ownership comment included, into a comment.
 * @throws PortmapInputError
 */
export function validateNftConditions(views: readonly FamilyView[]): void {
  for (const v of views) {
    for (const c of v.conditions) {
      if (/[;#]/.test(c)) throw new PortmapInputError(`conditionsV${v.family} token must not contain ';' or '#': ${JSON.stringify(c)}`);
    }
  }
}

/** One rule to add: its chain and its text (comment included). */
export interface NftRule {
  readonly chain: string;
  readonly rule: string;
}

function dnatTo(view: FamilyView, port: number): string {
  return view.family === 4 ? `${view.ip}:${port}` : `[${view.ip}]:${port}`;
}

/**
 * One family's rules for the attachment: one DNAT rule per mapping in `hostports` (hostIP
 * mappings too: `hostip_hostports` stays empty), each with the family's conditions; with
 * snat, the hairpin and (IPv4) localhost masquerade rules, or with masqAll one rule for every
 * DNATed connection to the container.
 */
export function nftContainerRules(spec: Pick<PortmapSpec, 'snat' | 'masqAll'> & Owner, view: FamilyView): NftRule[] {
  const ipx = fam(view.family);
  const comment = `comment "${nftOwnerComment(spec)}"`;
  const conds = view.conditions.length > 0 ? `${view.conditions.join(' ')} ` : '';
  const rules: NftRule[] = view.mappings.map((m) => ({
    chain: HOSTPORTS,
    rule:
      `${conds}${m.hostIP === undefined ? '' : `${ipx} daddr ${m.hostIP} `}` +
      `meta l4proto ${m.protocol} th dport ${m.hostPort} dnat to ${dnatTo(view, m.containerPort)} ${comment}`,
  }));
  if (spec.snat && view.mappings.length > 0) {
    if (spec.masqAll) {
      rules.push({ chain: MASQUERADING, rule: `${ipx} daddr ${view.ip} ct status dnat masquerade ${comment}` });
    } else {
      rules.push({ chain: MASQUERADING, rule: `${ipx} saddr ${view.ip} ${ipx} daddr ${view.ip} masquerade ${comment}` });
      if (view.family === 4) rules.push({ chain: MASQUERADING, rule: `ip saddr 127.0.0.1 ip daddr ${view.ip} masquerade ${comment}` });
    }
  }
  return rules;
}

/** What the node-wide part of one family's table needs. */
export interface NftBaseOptions {
  readonly masquerading: boolean;
  readonly localnetGuard: boolean;
}

/**
 * Creates the table and its shared chains and (re)writes the dispatch rules. Idempotent, so
 * two first ADDs racing each other both succeed; run only when the fast path failed.
 */
export function nftBaseCommands(family: Family, options: NftBaseOptions): string[] {
  const t = `${fam(family)} ${NFT_TABLE}`;
  const lines = [
    `add table ${t} { comment "${NFT_TABLE_COMMENT}" ; }`,
    `add chain ${t} ${HOSTPORTS}`,
    `add chain ${t} ${HOSTIP_HOSTPORTS}`,
    `add chain ${t} ${HOSTPORTS_ALL}`,
    `add chain ${t} ${PREROUTING} { type nat hook prerouting priority dstnat ; }`,
    // nft rejects the dstnat keyword on the output hook: -100 is its value
    `add chain ${t} ${OUTPUT} { type nat hook output priority -100 ; }`,
  ];
  if (options.masquerading) lines.push(`add chain ${t} ${MASQUERADING} { type nat hook postrouting priority srcnat ; }`);
  lines.push(
    `flush chain ${t} ${HOSTPORTS_ALL}`,
    `flush chain ${t} ${PREROUTING}`,
    `flush chain ${t} ${OUTPUT}`,
    `add rule ${t} ${HOSTPORTS_ALL} jump ${HOSTIP_HOSTPORTS}`,
    `add rule ${t} ${HOSTPORTS_ALL} jump ${HOSTPORTS}`,
    `add rule ${t} ${PREROUTING} fib daddr type local jump ${HOSTPORTS_ALL}`,
    `add rule ${t} ${OUTPUT} fib daddr type local jump ${HOSTPORTS_ALL}`,
  );
  if (options.localnetGuard && family === 4) {
    const guard =
      `ip daddr @${LOCALNET_SET} ip saddr != @${LOCALNET_SET} ct state & (established | related) == 0 ` +
      `ct status & dnat == 0 drop comment "${LOCALNET_GUARD_COMMENT}"`;
    lines.push(
      `add set ${t} ${LOCALNET_SET} { type ipv4_addr ; flags interval ; elements = { 127.0.0.0/8 } ; }`,
      `add chain ${t} ${LOCALNET_INPUT} { type filter hook input priority filter ; }`,
      `add chain ${t} ${LOCALNET_OUTPUT} { type filter hook output priority filter ; }`,
      `flush chain ${t} ${LOCALNET_INPUT}`,
      `flush chain ${t} ${LOCALNET_OUTPUT}`,
      `add rule ${t} ${LOCALNET_INPUT} ${guard}`,
      `add rule ${t} ${LOCALNET_OUTPUT} ${guard}`,
    );
  }
  return lines;
}

/** The node-wide needs of one family of a spec. */
export function nftBaseOptions(spec: Pick<PortmapSpec, 'snat'>, family: Family): NftBaseOptions {
  return { masquerading: spec.snat, localnetGuard: spec.snat && family === 4 };
}

function containerCommands(spec: PortmapSpec, view: FamilyView): string[] {
  const t = `${fam(view.family)} ${NFT_TABLE}`;
  return nftContainerRules(spec, view).map((r) => `add rule ${t} ${r.chain} ${r.rule}`);
}

/**
 * The fast ADD: only the attachment's rules, one transaction for both families. Adding a rule
 * to a missing table or chain fails, and so does adding the (already present) element of the
 * localnet set when the guard is missing, which sends the caller to nftSetupWithBase.
 */
export function nftSetupFast(spec: PortmapSpec, views: readonly FamilyView[]): string {
  const lines: string[] = [];
  for (const v of views) {
    if (nftBaseOptions(spec, v.family).localnetGuard) lines.push(`add element ip ${NFT_TABLE} ${LOCALNET_SET} { 127.0.0.0/8 }`);
    lines.push(...containerCommands(spec, v));
  }
  return [...lines, ''].join('\n');
}

/** The slow ADD: the node-wide part of each family, then the attachment's rules. */
export function nftSetupWithBase(spec: PortmapSpec, views: readonly FamilyView[]): string {
  const lines: string[] = [];
  for (const v of views) lines.push(...nftBaseCommands(v.family, nftBaseOptions(spec, v.family)), ...containerCommands(spec, v));
  return [...lines, ''].join('\n');
}

/** Deletes listed rules by handle, in one transaction. */
export function nftDeleteRules(rules: readonly Pick<NftListedRule, 'family' | 'chain' | 'handle'>[]): string {
  return [...rules.map((r) => `delete rule ${r.family} ${NFT_TABLE} ${r.chain} handle ${r.handle}`), ''].join('\n');
}

/** The attachment's rules in a listing of one family's table. */
export function ownedRules(listing: NftListing, owner: Owner, addresses: readonly string[] | undefined): NftListedRule[] {
  return listing.rules.filter((r) => OWNED_RULE_CHAINS.includes(r.chain) && ownsRule(r, owner, addresses));
}

/**
 * Rules of `network` whose attachment is not in `valid`, among those carrying the ownership
 * key (earlier versions, and IDs too long for a comment of their own). A rule commented with
 * the container ID alone (ours now, and Go's) names no network: the portmap plugin's GC
 * removes those of stale attachments through their records (plugins/portmap/maintenance.ts).
 */
export function staleRules(listing: NftListing, network: string, valid: readonly Attachment[]): NftListedRule[] {
  const prefix = `${nftNetworkHash(network)}-`;
  const keep = new Set(valid.map((a) => nftOwnerKey({ network, ...a })));
  return listing.rules.filter(
    (r) => OWNED_RULE_CHAINS.includes(r.chain) && r.comment?.startsWith(prefix) === true && !keep.has(r.comment.slice(0, 33)),
  );
}

/** Everything CHECK expects in one family's table, compared with its listing; returns what is missing. */
export function nftMissing(spec: PortmapSpec, view: FamilyView, listing: NftListing): string[] {
  const where = `${fam(view.family)} ${NFT_TABLE}`;
  const missing: string[] = [];
  const chains = new Set(listing.chains.map((c) => c.name));
  const opts = nftBaseOptions(spec, view.family);
  const needChains = [HOSTPORTS, HOSTIP_HOSTPORTS, HOSTPORTS_ALL, PREROUTING, OUTPUT];
  if (opts.masquerading) needChains.push(MASQUERADING);
  if (opts.localnetGuard) needChains.push(LOCALNET_INPUT, LOCALNET_OUTPUT);
  for (const c of needChains) if (!chains.has(c)) missing.push(`${where}: chain ${c}`);
  const rulesIn = (chain: string): NftListedRule[] => listing.rules.filter((r) => r.chain === chain);
  const hasRule = (chain: string, pred: (r: NftListedRule) => boolean, what: string): void => {
    if (chains.has(chain) && !rulesIn(chain).some(pred)) missing.push(`${where} ${chain}: ${what}`);
  };
  hasRule(HOSTPORTS_ALL, (r) => r.text.includes(`jump ${HOSTPORTS}`), `jump ${HOSTPORTS}`);
  hasRule(PREROUTING, (r) => r.text.includes(`jump ${HOSTPORTS_ALL}`), `jump ${HOSTPORTS_ALL}`);
  hasRule(OUTPUT, (r) => r.text.includes(`jump ${HOSTPORTS_ALL}`), `jump ${HOSTPORTS_ALL}`);
  if (opts.localnetGuard) {
    for (const c of [LOCALNET_INPUT, LOCALNET_OUTPUT]) hasRule(c, (r) => r.comment === LOCALNET_GUARD_COMMENT, 'localnet guard rule');
  }
  const mine = ownedRules(listing, spec, [view.ip]);
  for (const m of view.mappings) {
    const needles = [
      `${m.protocol} dport == ${m.hostPort}`,
      `"addr":"${view.ip}"`,
      `"port":${m.containerPort}`,
      ...(m.hostIP === undefined ? [] : [`daddr == ${m.hostIP}`]),
    ];
    if (!mine.some((r) => r.chain !== MASQUERADING && needles.every((n) => r.text.includes(n)))) {
      missing.push(`${where} ${HOSTPORTS}: ${m.protocol} ${m.hostIP ?? '*'}:${m.hostPort} -> ${dnatTo(view, m.containerPort)}`);
    }
  }
  const wantMasq = nftContainerRules(spec, view).filter((r) => r.chain === MASQUERADING).length;
  const haveMasq = mine.filter((r) => r.chain === MASQUERADING).length;
  if (chains.has(MASQUERADING) && haveMasq < wantMasq) missing.push(`${where} ${MASQUERADING}: ${wantMasq - haveMasq} masquerade rule(s) for ${view.ip}`);
  return missing;
}
