import { masqChainName, nftMasqInstanceHash, portmapDnatChainName } from '../../firewall/names.ts';
import type { NodeReaders } from './collect-facts.ts';
import { type VerbContext, expectArgs } from './context.ts';
import type { AttachmentFact, NetworkFacts, NodeFacts } from './node-facts.ts';
import { nodeReaders } from './node-readers.ts';
import { NODE_JSON_VERSION, guardNodeVerb, loadNetworks, nodeFacts } from './node-view.ts';
import { prettyJson } from './output.ts';

/** One attachment as inspect shows it. */
export interface InspectedAttachment {
  readonly containerId: string;
  readonly ifname: string;
  readonly netns: string | null;
  readonly netnsExists: boolean | null;
  readonly addresses: readonly string[];
  readonly hostInterfaces: readonly string[];
  readonly portMappings: readonly string[];
  /** The firewall backends holding rules for it: "iptables", "nftables". */
  readonly firewall: readonly string[];
}

/** One network as inspect shows it (the `networks[]` of the --json document). */
export interface InspectedNetwork {
  readonly name: string;
  readonly file: string;
  readonly cniVersion: string;
  readonly plugins: readonly string[];
  readonly bridge: string | null;
  readonly attachments: readonly InspectedAttachment[];
  readonly reservations: readonly { readonly ip: string; readonly containerId: string | null; readonly ifname: string | null }[];
  readonly portmapRecords: readonly { readonly containerId: string; readonly ifname: string; readonly backend: string | null; readonly mappings: readonly string[] }[];
}

/** The --json document of inspect: version 1. */
export interface InspectReport {
  readonly version: number;
  readonly networks: readonly InspectedNetwork[];
  readonly unconfiguredAttachments: readonly { readonly network: string; readonly containerId: string; readonly ifname: string; readonly netns: string | null }[];
  readonly problems: readonly string[];
}

/** Which firewall backends hold rules for an attachment, from its chain names and rule comments. */
export function firewallBackendsOf(a: AttachmentFact, facts: NodeFacts): string[] {
  const out: string[] = [];
  const chains = new Set([masqChainName(a.network, a.containerId), portmapDnatChainName(a.network, a.containerId)]);
  const hosts = new Set(a.addresses.map((c) => c.split('/')[0]));
  const ipt = facts.firewall.iptables;
  const inIptables =
    ipt !== undefined &&
    (ipt.chains.some((c) => chains.has(c.name)) || ipt.rules.some((r) => r.chain === 'CNI-FORWARD' && [r.source, r.destination].some((x) => x !== undefined && hosts.has(x.split('/')[0]))));
  if (inIptables) out.push('iptables');
  const key = nftMasqInstanceHash(a.network, a.ifname, a.containerId);
  if (facts.firewall.nft?.rules.some((r) => r.comment?.startsWith(key))) out.push('nftables');
  return out;
}

function inspectNetwork(n: NetworkFacts, facts: NodeFacts): InspectedNetwork {
  const portmap = n.records.filter((r) => r.plugin === 'portmap');
  return {
    name: n.name,
    file: n.file,
    cniVersion: n.cniVersion,
    plugins: n.plugins,
    bridge: n.bridge ?? null,
    attachments: n.attachments.map((a) => ({
      containerId: a.containerId,
      ifname: a.ifname,
      netns: a.netns ?? null,
      netnsExists: a.netnsExists ?? null,
      addresses: a.addresses,
      hostInterfaces: a.hostInterfaces.filter((i) => i !== n.bridge),
      portMappings: portmap.filter((r) => r.containerId === a.containerId && r.ifname === a.ifname).flatMap((r) => r.mappings),
      firewall: firewallBackendsOf(a, facts),
    })),
    reservations: n.reservations.map((r) => ({ ip: r.ip, containerId: r.containerId ?? null, ifname: r.ifname ?? null })),
    portmapRecords: portmap.map((r) => ({ containerId: r.containerId, ifname: r.ifname, backend: r.backend ?? null, mappings: r.mappings })),
  };
}

/** The report of the networks in scope (all when `network` is undefined). */
export function inspectReport(facts: NodeFacts, network?: string): InspectReport {
  return {
    version: NODE_JSON_VERSION,
    networks: facts.networks.filter((n) => network === undefined || n.name === network).map((n) => inspectNetwork(n, facts)),
    unconfiguredAttachments:
      network === undefined ? facts.unconfigured.map((a) => ({ network: a.network, containerId: a.containerId, ifname: a.ifname, netns: a.netns ?? null })) : [],
    problems: facts.problems,
  };
}

/** Columns padded to their widest cell, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ')}`.trimEnd()).join('\n') + '\n';
}

/** The human form: per network a header line and a table of attachments, then reservations. */
export function renderInspect(report: InspectReport): string {
  let out = '';
  for (const n of report.networks) {
    out += `network ${n.name}: version ${n.cniVersion}, plugins ${n.plugins.join(',')}${n.bridge ? `, bridge ${n.bridge}` : ''} (${n.file})\n`;
    if (n.attachments.length === 0) out += '  no cached attachments\n';
    else {
      const rows = [['CONTAINER', 'IFNAME', 'NETNS', 'ADDRESSES', 'PORTS', 'FIREWALL']];
      for (const a of n.attachments) {
        const netns = a.netns === null ? '-' : a.netnsExists === false ? `${a.netns} (gone)` : a.netns;
        rows.push([a.containerId, a.ifname, netns, a.addresses.join(',') || '-', a.portMappings.join(',') || '-', a.firewall.join(',') || '-']);
      }
      out += table(rows);
    }
    if (n.reservations.length > 0) {
      out += `  reservations: ${n.reservations.map((r) => `${r.ip} ${r.containerId ?? '?'}${r.ifname ? `/${r.ifname}` : ''}`).join(', ')}\n`;
    }
  }
  for (const a of report.unconfiguredAttachments) out += `cached attachment of unconfigured network ${a.network}: ${a.containerId} ${a.ifname} ${a.netns ?? '-'}\n`;
  for (const p of report.problems) out += `problem: ${p}\n`;
  return out;
}

/** `inspect [<network>]`: attachments, reservations, port mappings and firewall backends. */
export async function runInspect(ctx: VerbContext, readers: NodeReaders = nodeReaders()): Promise<number> {
  return guardNodeVerb(ctx, async () => {
    const [network] = expectArgs(ctx, [], ['network']);
    const { found } = await loadNetworks(ctx, network);
    const report = inspectReport(await nodeFacts(ctx, found, readers), network);
    ctx.io.stdout(ctx.args.json ? prettyJson(report) : renderInspect(report));
    return 0;
  });
}
