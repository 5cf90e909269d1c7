import { masqChainName, nftMasqInstanceHash, nftMasqNetworkHash, portmapDnatChainName, portmapLegacySnatChainName } from '../../firewall/names.ts';
import type { AttachmentFact, IptablesRuleFact, NetworkFacts, NodeFacts } from './node-facts.ts';

// doctor's judgement, pure: what on the node no cached attachment explains. An attachment
// explains its reservations, state records, host veth, iptables chains (named by hashes of
// network + container ID) and nft rules (commented with a hash of network, ifname and
// container ID), on every network, so a scope never makes another network's state look
// leaked. A cache entry whose netns is gone is a finding itself; what it explains is left to
// its DEL (doctor --fix), so it is not reported twice.

/** The chain of the portmap localnet guard (iptables, filter) and the nft guard chains. */
export const LOCALNET_IPTABLES_CHAIN = 'CNI-HOSTPORT-LOCALNET';
export const LOCALNET_NFT_CHAINS: readonly string[] = ['localnet_input', 'localnet_output'];
export const NFT_PORTMAP_TABLE = 'cni_hostport';

/** One thing found. `key` identifies it across collections (what --fix removed). */
export type Finding =
  | { readonly kind: 'stale-attachment'; readonly network: string; readonly containerId: string; readonly ifname: string; readonly netns: string }
  | { readonly kind: 'orphan-reservation'; readonly network: string; readonly ip: string; readonly containerId?: string | undefined; readonly ifname?: string | undefined; readonly file: string }
  | { readonly kind: 'orphan-record'; readonly network: string; readonly plugin: string; readonly containerId: string; readonly ifname: string; readonly file: string }
  | { readonly kind: 'orphan-veth'; readonly network: string; readonly bridge: string; readonly name: string }
  | { readonly kind: 'orphan-iptables-chain'; readonly family: 4 | 6; readonly table: string; readonly chain: string; readonly network?: string | undefined; readonly containerId?: string | undefined }
  | { readonly kind: 'orphan-iptables-rule'; readonly family: 4 | 6; readonly table: string; readonly chain: string; readonly spec: string; readonly address: string }
  | { readonly kind: 'orphan-nft-rule'; readonly family: string; readonly table: string; readonly chain: string; readonly handle: number; readonly comment: string }
  /** --for-downgrade: what only this implementation leaves and Go's plugins would never remove. */
  | { readonly kind: 'downgrade-leftover'; readonly what: 'host-local-index' | 'localnet-guard-iptables' | 'localnet-guard-nft' | 'state-dir'; readonly path: string };

/** What a judgement covers. */
export interface JudgeScope {
  /** Only this network's findings (node-wide ones with an unknown owner are left out). */
  readonly network?: string | undefined;
  readonly forDowngrade?: boolean | undefined;
}

/** A stable identity of a finding. */
export function findingKey(f: Finding): string {
  switch (f.kind) {
    case 'stale-attachment':
      return `${f.kind} ${f.network} ${f.containerId} ${f.ifname}`;
    case 'orphan-reservation':
      return `${f.kind} ${f.file}`;
    case 'orphan-record':
      return `${f.kind} ${f.file}`;
    case 'orphan-veth':
      return `${f.kind} ${f.name}`;
    case 'orphan-iptables-chain':
      return `${f.kind} ${f.family} ${f.table} ${f.chain}`;
    case 'orphan-iptables-rule':
      return `${f.kind} ${f.family} ${f.table} ${f.chain} ${f.spec}`;
    case 'orphan-nft-rule':
      // handles change when a rule is re-added; the comment and place identify it
      return `${f.kind} ${f.family} ${f.table} ${f.chain} ${f.comment}`;
    case 'downgrade-leftover':
      return `${f.kind} ${f.what} ${f.path}`;
  }
}

/** One line for humans. */
export function describeFinding(f: Finding): string {
  const who = (id?: string, ifname?: string): string => (id ? `container ${id}${ifname ? ` ${ifname}` : ''}` : 'nobody (damaged file)');
  switch (f.kind) {
    case 'stale-attachment':
      return `network ${f.network}: cached attachment ${f.containerId} ${f.ifname}: its netns ${f.netns} is gone`;
    case 'orphan-reservation':
      return `network ${f.network}: address ${f.ip} reserved for ${who(f.containerId, f.ifname)}, which has no cached attachment (${f.file})`;
    case 'orphan-record':
      return `network ${f.network}: ${f.plugin} record of container ${f.containerId} ${f.ifname} without a cached attachment (${f.file})`;
    case 'orphan-veth':
      return `network ${f.network}: veth ${f.name} on bridge ${f.bridge} belongs to no cached attachment`;
    case 'orphan-iptables-chain':
      return `iptables${f.family === 6 ? ' (IPv6)' : ''} ${f.table} chain ${f.chain}${f.network ? ` of network ${f.network} container ${f.containerId}` : ''} belongs to no cached attachment`;
    case 'orphan-iptables-rule':
      return `iptables${f.family === 6 ? ' (IPv6)' : ''} ${f.table} ${f.chain} rule for ${f.address}, an address of no cached attachment: -A ${f.chain} ${f.spec}`;
    case 'orphan-nft-rule':
      return `nft ${f.family} ${f.table} ${f.chain} rule (handle ${f.handle}) "${f.comment}" belongs to no cached attachment`;
    case 'downgrade-leftover':
      return `for a downgrade: ${f.what} ${f.path} (only this implementation uses it; no attachment needs it)`;
  }
}

/** `name: "NET" id: "ID"` (masquerade) or `dnat name: ...` (portmap) comments name an owner. */
export function ownerFromComment(comment: string | undefined): { network: string; containerId: string } | undefined {
  const m = /(?:^|\s)name: "(.*)" id: "(.*)"$/.exec(comment ?? '');
  return m ? { network: m[1] as string, containerId: m[2] as string } : undefined;
}

const MASQ_CHAIN = /^CNI-[0-9a-f]{24}$/;
const PORTMAP_CHAIN = /^CNI-(?:DN|SN)-[0-9a-f]{21}$/;
const NFT_OWNER = /^([0-9a-f]{16})-([0-9a-f]{16})/;

/** Addresses without their prefix, as the firewall plugin's rules write a host (/32, /128). */
function hostOf(cidr: string): string {
  return cidr.replace(/\/(32|128)$/, '').split('/')[0] as string;
}

/** Everything explained by the cached attachments, node-wide. */
interface Explained {
  readonly chains: ReadonlySet<string>;
  readonly nftKeys: ReadonlySet<string>;
  readonly containerIds: ReadonlySet<string>;
  readonly hostInterfaces: ReadonlySet<string>;
  readonly addresses: ReadonlySet<string>;
}

function explainedBy(attachments: readonly AttachmentFact[]): Explained {
  const chains = new Set<string>();
  const nftKeys = new Set<string>();
  const containerIds = new Set<string>();
  const hostInterfaces = new Set<string>();
  const addresses = new Set<string>();
  for (const a of attachments) {
    chains.add(masqChainName(a.network, a.containerId));
    chains.add(portmapDnatChainName(a.network, a.containerId));
    chains.add(portmapLegacySnatChainName(a.network, a.containerId));
    nftKeys.add(nftMasqInstanceHash(a.network, a.ifname, a.containerId));
    containerIds.add(a.containerId);
    for (const i of a.hostInterfaces) hostInterfaces.add(i);
    for (const ip of a.addresses) addresses.add(hostOf(ip));
  }
  return { chains, nftKeys, containerIds, hostInterfaces, addresses };
}

function allAttachments(facts: NodeFacts): AttachmentFact[] {
  return [...facts.networks.flatMap((n) => n.attachments), ...facts.unconfigured];
}

function networkFindings(n: NetworkFacts, explained: Explained): Finding[] {
  const out: Finding[] = [];
  const cached = new Set(n.attachments.map((a) => `${a.containerId}\0${a.ifname}`));
  const cachedIds = new Set(n.attachments.map((a) => a.containerId));
  for (const a of n.attachments) {
    if (a.netns && a.netnsExists === false) out.push({ kind: 'stale-attachment', network: n.name, containerId: a.containerId, ifname: a.ifname, netns: a.netns });
  }
  for (const r of n.reservations) {
    const held = r.containerId !== undefined && (r.ifname === undefined ? cachedIds.has(r.containerId) : cached.has(`${r.containerId}\0${r.ifname}`));
    if (!held) out.push({ kind: 'orphan-reservation', network: n.name, ip: r.ip, containerId: r.containerId, ifname: r.ifname, file: r.file });
  }
  for (const r of n.records) {
    if (!cached.has(`${r.containerId}\0${r.ifname}`)) out.push({ kind: 'orphan-record', network: n.name, plugin: r.plugin, containerId: r.containerId, ifname: r.ifname, file: r.file });
  }
  if (n.bridge) {
    for (const p of n.bridgePorts) {
      // only a pod's veth (its peer in another netns): a port an admin added is not ours to judge
      if (p.kind === 'veth' && p.peerElsewhere && !explained.hostInterfaces.has(p.name)) out.push({ kind: 'orphan-veth', network: n.name, bridge: n.bridge, name: p.name });
    }
  }
  return out;
}

function iptablesFindings(facts: NodeFacts, explained: Explained, scope: JudgeScope): Finding[] {
  const ipt = facts.firewall.iptables;
  if (!ipt) return [];
  const out: Finding[] = [];
  const jumpsTo = new Map<string, IptablesRuleFact[]>();
  for (const r of ipt.rules) if (r.target) jumpsTo.set(`${r.family} ${r.table} ${r.target}`, [...(jumpsTo.get(`${r.family} ${r.table} ${r.target}`) ?? []), r]);
  for (const c of ipt.chains) {
    if (c.table !== 'nat' || !(MASQ_CHAIN.test(c.name) || PORTMAP_CHAIN.test(c.name)) || explained.chains.has(c.name)) continue;
    const owner = (jumpsTo.get(`${c.family} ${c.table} ${c.name}`) ?? []).map((r) => ownerFromComment(r.comment)).find((o) => o !== undefined);
    if (scope.network !== undefined && owner?.network !== scope.network) continue;
    out.push({ kind: 'orphan-iptables-chain', family: c.family, table: c.table, chain: c.name, network: owner?.network, containerId: owner?.containerId });
  }
  // the firewall plugin's per-address accepts name no owner: judged by address, node-wide only
  if (scope.network === undefined) {
    for (const r of ipt.rules) {
      if (r.table !== 'filter' || r.chain !== 'CNI-FORWARD' || r.target !== 'ACCEPT') continue;
      const address = r.source ?? r.destination;
      if (address && !explained.addresses.has(hostOf(address))) {
        out.push({ kind: 'orphan-iptables-rule', family: r.family, table: r.table, chain: r.chain, spec: r.spec, address: hostOf(address) });
      }
    }
  }
  return out;
}

function nftFindings(facts: NodeFacts, explained: Explained, scope: JudgeScope): Finding[] {
  const nft = facts.firewall.nft;
  if (!nft) return [];
  const networkHash = scope.network === undefined ? undefined : nftMasqNetworkHash(scope.network);
  const out: Finding[] = [];
  for (const r of nft.rules) {
    const m = NFT_OWNER.exec(r.comment ?? '');
    if (!m) {
      // portmap's rules carry the bare container ID (Go v1.9's layout, which ours follows): it
      // names no network, so like CNI-FORWARD's accepts they are judged node-wide only
      const id = r.comment;
      if (scope.network === undefined && r.table === NFT_PORTMAP_TABLE && id && !explained.containerIds.has(id)) {
        out.push({ kind: 'orphan-nft-rule', family: r.family, table: r.table, chain: r.chain, handle: r.handle, comment: id });
      }
      continue;
    }
    if (explained.nftKeys.has(`${m[1]}-${m[2]}`)) continue;
    if (networkHash !== undefined && m[1] !== networkHash) continue;
    out.push({ kind: 'orphan-nft-rule', family: r.family, table: r.table, chain: r.chain, handle: r.handle, comment: r.comment as string });
  }
  return out;
}

/**
 * What only this implementation leaves, when no attachment needs it: host-local's index files,
 * the localnet guard (needed while some live attachment has port mappings), and the state
 * directories of portmap and firewall with no live attachment's record.
 */
function downgradeFindings(facts: NodeFacts, networks: readonly NetworkFacts[], explained: Explained, live: readonly AttachmentFact[]): Finding[] {
  const out: Finding[] = [];
  for (const n of networks) for (const path of n.indexFiles) out.push({ kind: 'downgrade-leftover', what: 'host-local-index', path });
  const liveKeys = new Set(live.map((a) => `${a.network}\0${a.containerId}\0${a.ifname}`));
  const liveMappings = facts.networks.some((n) => n.records.some((r) => r.plugin === 'portmap' && liveKeys.has(`${n.name}\0${r.containerId}\0${r.ifname}`)));
  const liveDnat = facts.firewall.iptables?.chains.some((c) => /^CNI-DN-/.test(c.name) && explained.chains.has(c.name)) ?? false;
  if (!liveMappings && !liveDnat) {
    if (facts.firewall.iptables?.chains.some((c) => c.table === 'filter' && c.name === LOCALNET_IPTABLES_CHAIN)) {
      out.push({ kind: 'downgrade-leftover', what: 'localnet-guard-iptables', path: `filter ${LOCALNET_IPTABLES_CHAIN}` });
    }
    for (const c of facts.firewall.nft?.chains ?? []) {
      if (c.family === 'ip' && c.table === NFT_PORTMAP_TABLE && LOCALNET_NFT_CHAINS.includes(c.name)) out.push({ kind: 'downgrade-leftover', what: 'localnet-guard-nft', path: `ip ${c.table} ${c.name}` });
    }
  }
  for (const n of networks) {
    for (const d of n.recordDirs) {
      const needed = n.records.some((r) => r.file.startsWith(`${d.dir}/`) && liveKeys.has(`${n.name}\0${r.containerId}\0${r.ifname}`));
      if (!needed && d.exists) out.push({ kind: 'downgrade-leftover', what: 'state-dir', path: d.dir });
    }
  }
  return out;
}

/** Everything in scope that no cached attachment explains. */
export function judge(facts: NodeFacts, scope: JudgeScope = {}): Finding[] {
  const all = allAttachments(facts);
  const explained = explainedBy(all);
  const networks = facts.networks.filter((n) => scope.network === undefined || n.name === scope.network);
  const findings = [...networks.flatMap((n) => networkFindings(n, explained)), ...iptablesFindings(facts, explained, scope), ...nftFindings(facts, explained, scope)];
  if (scope.forDowngrade) findings.push(...downgradeFindings(facts, networks, explained, all.filter((a) => a.netnsExists !== false)));
  return findings;
}
