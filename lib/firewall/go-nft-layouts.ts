import { createHash } from 'node:crypto';
import { parseNftListing } from './nft-json.ts';
import type { CommandOutput, CommandRunner } from './runner.ts';

// Test fixtures: the nftables state the Go reference plugins (containernetworking/plugins
// v1.9.1) write on ADD, and models of the commands their DEL issues, re-derived by reading
// their code (nothing here is copied from it). Debian's Go plugins (1.1.1) have no nftables
// backends, so these are what tests run our DEL and GC against, and what they run after our
// ADD to prove that Go's DEL finds our rules. Hashes are computed here with node:crypto, not
// with our own names.ts, so a drift of ours from Go's naming shows up as a failing test.
// docs/nftables-layouts.md says what each function mirrors and what cannot interoperate.

/** Anything that runs a command in the node namespace (a TestNetns runner). */
type Run = CommandRunner['run'];

async function must(run: Run, argv: readonly string[], input?: string): Promise<CommandOutput> {
  const r = await run(argv, input === undefined ? {} : { input });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (${r.exitCode}): ${r.stderr.trim()}\n${input ?? ''}`);
  return r;
}

/** `nft -j -a list chain ...`, or undefined when the table or chain does not exist (knftables' IsNotFound). */
async function listChain(run: Run, family: string, table: string, chain: string): Promise<string | undefined> {
  const r = await run(['nft', '-j', '-a', 'list', 'chain', family, table, chain], {});
  if (r.exitCode === 0) return r.stdout;
  if (/No such file or directory/.test(r.stderr)) return undefined;
  throw new Error(`listing ${family} ${table} ${chain} failed: ${r.stderr.trim()}`);
}

// ---------------------------------------------------------------------------------------------
// portmap: plugins/meta/portmap/portmap_nftables.go (v1.9.1)

/** One entry of Go's runtimeConfig.portMappings. */
export interface GoPortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly hostIP?: string;
}

/** What forwardPorts is given: the config's container ID, snat, conditions, and one container address. */
export interface GoPortmapAdd {
  readonly containerId: string;
  /** The container address of one family, without prefix. */
  readonly containerIP: string;
  readonly mappings: readonly GoPortMapping[];
  /** Go's default is true. */
  readonly snat: boolean;
  /** conditionsV4 / conditionsV6 of the family, spliced into the dispatch rules. */
  readonly conditions?: readonly string[];
}

/**
 * The transaction portMapperNFTables.forwardPorts runs for one container address, as knftables
 * writes it to `nft -f -`: table and chains added, hostports_all, prerouting and output
 * flushed and rewritten (with the conditions on the dispatch rules), masquerading added with
 * snat, one DNAT rule per mapping of the family in `hostports` (hostIP mappings too), and with
 * snat the hairpin and (IPv4) localhost masquerade rules; every per-container rule commented
 * with the container ID alone. knftables writes base chain priorities as numbers (dstnat
 * -100, srcnat 100).
 */
export function goPortmapAddScript(p: GoPortmapAdd): string {
  const v6 = p.containerIP.includes(':');
  const ipx = v6 ? 'ip6' : 'ip';
  const t = `${ipx} cni_hostport`;
  const conds = (p.conditions ?? []).map((c) => `${c} `).join('');
  const comment = ` comment ${JSON.stringify(p.containerId)}`;
  const dest = (port: number): string => (v6 ? `[${p.containerIP}]:${port}` : `${p.containerIP}:${port}`);
  const lines = [
    `add table ${t} { comment "CNI portmap plugin" ; }`,
    `add chain ${t} hostports`,
    `add chain ${t} hostip_hostports`,
    `add chain ${t} hostports_all`,
    `flush chain ${t} hostports_all`,
    `add rule ${t} hostports_all jump hostip_hostports`,
    `add rule ${t} hostports_all jump hostports`,
    `add chain ${t} prerouting { type nat hook prerouting priority -100 ; }`,
    `flush chain ${t} prerouting`,
    `add rule ${t} prerouting ${conds}fib daddr type local jump hostports_all`,
    `add chain ${t} output { type nat hook output priority -100 ; }`,
    `flush chain ${t} output`,
    `add rule ${t} output ${conds}fib daddr type local jump hostports_all`,
  ];
  if (p.snat) lines.push(`add chain ${t} masquerading { type nat hook postrouting priority 100 ; }`);
  for (const m of p.mappings) {
    let useHostIP = false;
    if (m.hostIP !== undefined && m.hostIP !== '') {
      // a hostIP of the other family skips the mapping; an unspecified one maps every address
      if (m.hostIP.includes(':') !== v6) continue;
      useHostIP = m.hostIP !== '0.0.0.0' && m.hostIP !== '::';
    }
    const daddr = useHostIP ? `${ipx} daddr ${m.hostIP} ` : '';
    lines.push(`add rule ${t} hostports ${daddr}${m.protocol} dport ${m.hostPort} dnat to ${dest(m.containerPort)}${comment}`);
  }
  if (p.snat) {
    lines.push(`add rule ${t} masquerading ${ipx} saddr ${p.containerIP} ${ipx} daddr ${p.containerIP} masquerade${comment}`);
    if (!v6) lines.push(`add rule ${t} masquerading ip saddr 127.0.0.1 ip daddr ${p.containerIP} masquerade${comment}`);
  }
  return [...lines, ''].join('\n');
}

/** Runs goPortmapAddScript in the node namespace. */
export async function goPortmapAdd(run: Run, p: GoPortmapAdd): Promise<void> {
  await must(run, ['nft', '-f', '-'], goPortmapAddScript(p));
}

/**
 * portMapperNFTables.unforwardPorts: in both families, lists chains hostports,
 * hostip_hostports and masquerading (a missing one is skipped) and deletes, in one
 * transaction per family, every rule whose comment equals the container ID. (Go's cmdDel
 * calls it only when the runtime sends portMappings again.)
 */
export async function goPortmapDel(run: Run, containerId: string): Promise<void> {
  for (const family of ['ip', 'ip6']) {
    const deletes: string[] = [];
    for (const chain of ['hostports', 'hostip_hostports', 'masquerading']) {
      const listed = await listChain(run, family, 'cni_hostport', chain);
      if (listed === undefined) continue;
      for (const r of parseNftListing(listed).rules) {
        if (r.comment === containerId) deletes.push(`delete rule ${family} cni_hostport ${chain} handle ${r.handle}`);
      }
    }
    if (deletes.length > 0) await must(run, ['nft', '-f', '-'], [...deletes, ''].join('\n'));
  }
}

/**
 * portMapperNFTables.checkPorts for one container address: counts the rules commented with
 * the container ID in `hostports` (at least one per mapping of the family) and, with snat, in
 * `masquerading` (at least 2 for IPv4, 1 for IPv6). Returns what Go's CHECK would complain
 * about, or [] when it passes.
 */
export async function goPortmapCheck(run: Run, p: GoPortmapAdd): Promise<string[]> {
  const v6 = p.containerIP.includes(':');
  const family = v6 ? 'ip6' : 'ip';
  const hostPorts = p.mappings.filter((m) => m.hostIP === undefined || m.hostIP === '' || m.hostIP.includes(':') === v6).length;
  const wanted: Array<[string, number]> = [
    ['hostports', hostPorts],
    ['masquerading', p.snat ? (v6 ? 1 : 2) : 0],
  ];
  const problems: string[] = [];
  for (const [chain, n] of wanted) {
    if (n === 0) continue;
    const listed = await listChain(run, family, 'cni_hostport', chain);
    const found = listed === undefined ? 0 : parseNftListing(listed).rules.filter((r) => r.comment === p.containerId).length;
    if (found < n) problems.push(`missing hostport rules in "${chain}" chain`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// bridge/ptp ipMasq: pkg/ip/ipmasq_nftables_linux.go (v1.9.1)

/** utils.MustFormatHashWithPrefix(16, "", s): the first 16 hex digits of sha512(s). */
function goHash16(s: string): string {
  return createHash('sha512').update(s, 'utf8').digest('hex').slice(0, 16);
}

/** hashForInstance: hash(network) + "-" + hash(ifname + ":" + containerID). */
export function goMasqInstanceHash(network: string, ifname: string, containerId: string): string {
  return `${goHash16(network)}-${goHash16(`${ifname}:${containerId}`)}`;
}

/** commentForInstance: instance hash, then net/if/id without double quotes, cut at 128 bytes. */
export function goMasqComment(network: string, ifname: string, containerId: string): string {
  const strip = (s: string): string => s.replaceAll('"', '');
  const full = `${goMasqInstanceHash(network, ifname, containerId)}, net: ${strip(network)}, if: ${strip(ifname)}, id: ${strip(containerId)}`;
  const bytes = Buffer.from(full, 'utf8');
  return bytes.length > 128 ? bytes.subarray(0, 128).toString('utf8') : full;
}

/** One address given to setupIPMasqNFTables: the container address and its prefix length. */
export interface GoMasqAddress {
  readonly ip: string;
  readonly prefix: number;
  /** The network address of ip/prefix (Go masks it; the fixture is told it). */
  readonly subnet: string;
}

/**
 * The transaction setupIPMasqNFTablesWithInterface runs (without stale rules to replace):
 * table and masq_checks with their comments, the postrouting base chain flushed and rewritten
 * (multicast returns, goto masq_checks), one rule per address, commented commentForInstance.
 */
export function goMasqAddScript(addrs: readonly GoMasqAddress[], network: string, ifname: string, containerId: string): string {
  const t = 'inet cni_plugins_masquerade';
  const comment = JSON.stringify(goMasqComment(network, ifname, containerId));
  const lines = [
    `add table ${t} { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }`,
    `add chain ${t} masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }`,
    `add chain ${t} postrouting { type nat hook postrouting priority 100 ; }`,
    `flush chain ${t} postrouting`,
    `add rule ${t} postrouting ip daddr == 224.0.0.0/4  return`,
    `add rule ${t} postrouting ip6 daddr == ff00::/8  return`,
    `add rule ${t} postrouting goto masq_checks`,
    ...addrs.map((a) => {
      const ipx = a.ip.includes(':') ? 'ip6' : 'ip';
      return `add rule ${t} masq_checks ${ipx} saddr == ${a.ip} ${ipx} daddr != ${a.subnet}/${a.prefix} masquerade comment ${comment}`;
    }),
  ];
  return [...lines, ''].join('\n');
}

/** Runs goMasqAddScript in the node namespace. */
export async function goMasqAdd(run: Run, addrs: readonly GoMasqAddress[], network: string, ifname: string, containerId: string): Promise<void> {
  await must(run, ['nft', '-f', '-'], goMasqAddScript(addrs, network, ifname, containerId));
}

async function goMasqDeleteWhere(run: Run, pick: (comment: string) => boolean): Promise<void> {
  const listed = await listChain(run, 'inet', 'cni_plugins_masquerade', 'masq_checks');
  if (listed === undefined) return;
  const deletes = parseNftListing(listed)
    .rules.filter((r) => r.comment !== undefined && pick(r.comment))
    .map((r) => `delete rule inet cni_plugins_masquerade masq_checks handle ${r.handle}`);
  if (deletes.length > 0) await must(run, ['nft', '-f', '-'], [...deletes, ''].join('\n'));
}

/** teardownIPMasqNFTablesWithInterface: deletes masq_checks rules whose comment starts with the instance hash. */
export async function goMasqDel(run: Run, network: string, ifname: string, containerId: string): Promise<void> {
  const prefix = goMasqInstanceHash(network, ifname, containerId);
  await goMasqDeleteWhere(run, (c) => c.startsWith(prefix));
}

/**
 * gcIPMasqNFTablesWithInterface: deletes masq_checks rules whose comment starts with
 * hash(network) and is not the comment of a valid attachment (no v1.9.1 plugin calls it yet).
 */
export async function goMasqGc(run: Run, network: string, valid: readonly { containerId: string; ifname: string }[]): Promise<void> {
  const keep = new Set(valid.map((a) => goMasqComment(network, a.ifname, a.containerId)));
  const prefix = goHash16(network);
  await goMasqDeleteWhere(run, (c) => c.startsWith(prefix) && !keep.has(c));
}

// ---------------------------------------------------------------------------------------------
// bridge macspoofchk: pkg/link/spoofcheck.go (v1.9.1), refID = containerID + "-" + ifname

const SPOOF_TABLE = { family: 'bridge', table: 'nat' } as const;

/**
 * The two go-nft transactions SpoofChecker.Setup applies (as `nft -j -f`): first table
 * `bridge nat`, base chain PREROUTING (filter, prerouting, priority -300, policy accept) and
 * the chains `cni-br-iface-<refID>` and `...-mac`; then both chains flushed and four rules
 * (written as bare rule objects, which nft adds), every one commented `macspoofchk-<refID>`.
 */
export function goSpoofCheckSetupJson(hostIface: string, mac: string, refID: string): [string, string] {
  const iface = `cni-br-iface-${refID}`;
  const macChain = `${iface}-mac`;
  const comment = `macspoofchk-${refID}`;
  const chain = (name: string) => ({ chain: { ...SPOOF_TABLE, name } });
  const rule = (chainName: string, expr: unknown[]) => ({ rule: { ...SPOOF_TABLE, chain: chainName, expr, comment } });
  const first = [
    { add: { table: { family: 'bridge', name: 'nat' } } },
    { add: { chain: { ...SPOOF_TABLE, name: 'PREROUTING', type: 'filter', hook: 'prerouting', prio: -300, policy: 'accept' } } },
    { add: chain(iface) },
    { add: chain(macChain) },
  ];
  const second = [
    { flush: chain(iface) },
    { flush: chain(macChain) },
    rule('PREROUTING', [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: hostIface } }, { jump: { target: iface } }]),
    rule(iface, [{ jump: { target: macChain } }]),
    rule(macChain, [{ match: { op: '==', left: { payload: { protocol: 'ether', field: 'saddr' } }, right: mac } }, { return: null }]),
    rule(macChain, [{ drop: null }]),
  ];
  return [JSON.stringify({ nftables: first }), JSON.stringify({ nftables: second })];
}

/** Runs both setup transactions in the node namespace. */
export async function goSpoofCheckSetup(run: Run, hostIface: string, mac: string, refID: string): Promise<void> {
  for (const tx of goSpoofCheckSetupJson(hostIface, mac, refID)) await must(run, ['nft', '-j', tx]);
}

/**
 * SpoofChecker.Teardown: lists chain bridge nat PREROUTING, deletes every rule there whose
 * comment is `macspoofchk-<refID>` (go-nft's LookupRule with the expression left out), then
 * deletes the chains `cni-br-iface-<refID>` and `...-mac` in a second transaction. Go fails
 * the teardown when those chains are missing; so does this model.
 */
export async function goSpoofCheckTeardown(run: Run, refID: string): Promise<void> {
  const comment = `macspoofchk-${refID}`;
  const listed = await listChain(run, 'bridge', 'nat', 'PREROUTING');
  const rules = listed === undefined ? [] : parseNftListing(listed).rules.filter((r) => r.comment === comment);
  if (rules.length > 0) {
    const del = rules.map((r) => ({ delete: { rule: { ...SPOOF_TABLE, chain: 'PREROUTING', handle: r.handle } } }));
    await must(run, ['nft', '-j', JSON.stringify({ nftables: del })]);
  }
  const iface = `cni-br-iface-${refID}`;
  const chains = [iface, `${iface}-mac`].map((name) => ({ delete: { chain: { ...SPOOF_TABLE, name } } }));
  await must(run, ['nft', '-j', JSON.stringify({ nftables: chains })]);
}
