import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tryParseIp } from '../../addr/index.ts';
import { INDEX_FILE } from '../../host-local/index-cache.ts';
import { readReservation } from '../../host-local/reservation-files.ts';
import { readStateFile } from '../../sys/state-file.ts';
import type { ResultCache } from '../cache.ts';
import type { NetworkConfigList } from '../conf.ts';
import type { FoundNetwork } from '../load.ts';
import type { AttachmentFact, FirewallFacts, LinkFact, NetworkFacts, NodeFacts, RecordFact, ReservationFact } from './node-facts.ts';
import { parseIptablesSave, parseNftRuleset } from './firewall-facts.ts';

// Collects NodeFacts. What touches the kernel (links, firewall tools, netns paths) comes
// through NodeReaders so tests can fake it; the state files are read directly, from the
// directories the configurations name (tests point those at temporary directories).

/** Where host-local keeps reservations when ipam.dataDir is not set (lib/host-local/config.ts). */
export const HOST_LOCAL_DEFAULT_DATA_DIR = '/var/lib/cni/networks';
/** portmap's and firewall's default state directories (plugins/*\/config.ts; a unit test checks they agree). */
export const DEFAULT_RECORD_DIRS = { portmap: '/run/cni-ts/portmap', firewall: '/run/cni-ts/firewall' } as const;
/** The bridge plugin's default bridge. */
export const DEFAULT_BRIDGE = 'cni0';

/** A command's outcome; exit 127 means the tool is not installed. */
export interface CommandOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** The node-side reads, injected. */
export interface NodeReaders {
  links(): LinkFact[];
  run(argv: readonly string[]): Promise<CommandOutcome>;
  pathExists(path: string): boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The directories and bridge a list's plugins use. */
export function networkLayout(list: NetworkConfigList): Pick<NetworkFacts, 'bridge' | 'hostLocalDirs' | 'recordDirs'> {
  let bridge: string | undefined;
  const hostLocalDirs: string[] = [];
  const recordDirs: { plugin: 'portmap' | 'firewall'; stateDir: string; dir: string; exists: boolean }[] = [];
  for (const p of list.plugins) {
    const raw = p.raw;
    if (p.type === 'bridge') bridge = typeof raw.bridge === 'string' && raw.bridge !== '' ? raw.bridge : DEFAULT_BRIDGE;
    const ipam = raw.ipam;
    if (isObj(ipam) && ipam.type === 'host-local') {
      const dataDir = typeof ipam.dataDir === 'string' && ipam.dataDir !== '' ? ipam.dataDir : HOST_LOCAL_DEFAULT_DATA_DIR;
      const dir = join(dataDir, list.name);
      if (!hostLocalDirs.includes(dir)) hostLocalDirs.push(dir);
    }
    if (p.type === 'portmap' || p.type === 'firewall') {
      const stateDir = typeof raw.stateDir === 'string' && raw.stateDir !== '' ? raw.stateDir : DEFAULT_RECORD_DIRS[p.type];
      recordDirs.push({ plugin: p.type, stateDir, dir: join(stateDir, list.name), exists: existsSync(join(stateDir, list.name)) });
    }
  }
  return { bridge, hostLocalDirs, recordDirs };
}

/** Directory entries; missing is empty, anything else is a problem named in `problems`. */
function listDir(dir: string, problems: string[]): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`cannot read ${dir}: ${(e as Error).message}`);
    return [];
  }
}

function readReservations(dir: string, problems: string[]): ReservationFact[] {
  const out: ReservationFact[] = [];
  for (const name of listDir(dir, problems)) {
    if (!tryParseIp(name)) continue;
    const file = join(dir, name);
    try {
      const r = readReservation(file, true);
      if (!r) continue;
      if (r.problem) problems.push(`${file}: ${r.problem}`);
      out.push({ ip: name, containerId: r.holder?.containerId, ifname: r.holder?.ifname, file });
    } catch (e) {
      problems.push(`cannot read ${file}: ${(e as Error).message}`);
      out.push({ ip: name, containerId: undefined, ifname: undefined, file });
    }
  }
  return out;
}

function describeMapping(m: unknown): string | undefined {
  if (!isObj(m)) return undefined;
  const host = m.hostIP ? `${String(m.hostIP)}:` : '';
  return `${host}${String(m.hostPort)}->${String(m.containerPort)}/${String(m.protocol ?? 'tcp')}`;
}

function readRecords(plugin: 'portmap' | 'firewall', dir: string, problems: string[]): RecordFact[] {
  const out: RecordFact[] = [];
  for (const name of listDir(dir, problems)) {
    const base = name.replace(/\.tmp-.*$/, '');
    const sep = base.indexOf(':');
    if (sep <= 0) continue;
    const file = join(dir, name);
    const fact = { plugin, containerId: base.slice(0, sep), ifname: base.slice(sep + 1), file };
    if (base !== name) {
      out.push({ ...fact, backend: undefined, mappings: [], damaged: 'temporary file of an interrupted ADD' });
      continue;
    }
    let damaged: string | undefined;
    let value: unknown;
    try {
      const read = readStateFile(file);
      if (read.kind === 'missing') continue;
      if (read.kind === 'planted') damaged = read.error.message;
      else value = JSON.parse(read.text);
    } catch (e) {
      damaged = `unreadable: ${(e as Error).message}`;
    }
    if (damaged) problems.push(`${file}: ${damaged}`);
    const backend = isObj(value) && typeof value.backend === 'string' ? value.backend : undefined;
    const spec = isObj(value) && isObj(value.spec) ? value.spec : undefined;
    const mappings = Array.isArray(spec?.mappings) ? spec.mappings.map(describeMapping).filter((m): m is string => m !== undefined) : [];
    out.push({ ...fact, backend, mappings, damaged });
  }
  return out;
}

/** A cached result's addresses and host-side interfaces, from any result version. */
function resultFacts(result: unknown): Pick<AttachmentFact, 'addresses' | 'hostInterfaces'> {
  if (!isObj(result)) return { addresses: [], hostInterfaces: [] };
  const ips = Array.isArray(result.ips) ? result.ips : [];
  const addresses = ips.map((ip) => (isObj(ip) && typeof ip.address === 'string' ? ip.address : undefined)).filter((a): a is string => a !== undefined);
  for (const fam of ['ip4', 'ip6']) {
    const block = result[fam];
    if (isObj(block) && typeof block.ip === 'string') addresses.push(block.ip);
  }
  const ifaces = Array.isArray(result.interfaces) ? result.interfaces : [];
  const hostInterfaces = ifaces
    .filter((i) => isObj(i) && typeof i.name === 'string' && (i.sandbox === undefined || i.sandbox === ''))
    .map((i) => (i as { name: string }).name);
  return { addresses, hostInterfaces };
}

async function cachedAttachments(cache: ResultCache, readers: NodeReaders, problems: string[]): Promise<AttachmentFact[]> {
  let cached;
  try {
    cached = await cache.attachments();
  } catch (e) {
    problems.push((e as Error).message);
    return [];
  }
  const out: AttachmentFact[] = [];
  for (const a of cached) {
    const read = await cache.readResult({ network: a.network, containerId: a.containerId, ifname: a.ifname }, '1.0.0');
    if (read.status === 'bad') problems.push(read.error.message);
    const facts = resultFacts(read.status === 'ok' ? read.result : undefined);
    const netns = a.netns || undefined;
    out.push({ network: a.network, containerId: a.containerId, ifname: a.ifname, netns, netnsExists: netns ? readers.pathExists(netns) : undefined, ...facts });
  }
  return out;
}

async function firewallFacts(readers: NodeReaders, problems: string[]): Promise<FirewallFacts> {
  let iptables: FirewallFacts['iptables'];
  for (const family of [4, 6] as const) {
    for (const table of ['nat', 'filter']) {
      const tool = family === 4 ? 'iptables-save' : 'ip6tables-save';
      const r = await readers.run([tool, '-t', table]);
      if (r.exitCode === 127) continue;
      if (r.exitCode !== 0) {
        // a family without the table (no ip6tables module) is normal; say so only if it is not that
        if (!/does not exist|Table does not exist|can't initialize/i.test(r.stderr)) problems.push(`${tool} -t ${table} failed: ${r.stderr.trim()}`);
        continue;
      }
      const parsed = parseIptablesSave(r.stdout, family, table);
      iptables = { chains: [...(iptables?.chains ?? []), ...parsed.chains], rules: [...(iptables?.rules ?? []), ...parsed.rules] };
    }
  }
  let nft: FirewallFacts['nft'];
  const r = await readers.run(['nft', '-j', 'list', 'ruleset']);
  if (r.exitCode === 0) {
    try {
      nft = parseNftRuleset(r.stdout);
    } catch (e) {
      problems.push(`nft -j list ruleset printed what is not JSON: ${(e as Error).message}`);
    }
  } else if (r.exitCode !== 127) {
    problems.push(`nft -j list ruleset failed: ${r.stderr.trim()}`);
  }
  return { iptables, nft };
}

/** Collects every network's facts from the configurations found, the cache and the node. */
export async function collectFacts(found: readonly FoundNetwork[], cache: ResultCache, readers: NodeReaders): Promise<NodeFacts> {
  const problems: string[] = [];
  const attachments = await cachedAttachments(cache, readers, problems);
  let links: NodeFacts['links'] = [];
  try {
    links = readers.links();
  } catch (e) {
    problems.push(`cannot list links: ${(e as Error).message}`);
  }
  const networks: NetworkFacts[] = [];
  const seen = new Set<string>();
  for (const f of found) {
    if (!f.list) {
      problems.push(`${f.file}: ${f.error?.message ?? 'unusable'}`);
      continue;
    }
    if (seen.has(f.list.name)) continue; // shadowed by an earlier file, as libcni loads it
    seen.add(f.list.name);
    const list = f.list;
    const layout = networkLayout(list);
    networks.push({
      name: list.name,
      file: f.file,
      cniVersion: list.cniVersion,
      plugins: list.plugins.map((p) => p.type),
      ...layout,
      attachments: attachments.filter((a) => a.network === list.name),
      reservations: layout.hostLocalDirs.flatMap((d) => readReservations(d, problems)),
      records: layout.recordDirs.flatMap((d) => readRecords(d.plugin, d.dir, problems)),
      bridgePorts: layout.bridge ? links.filter((l) => l.master === layout.bridge).map((l) => ({ name: l.name, kind: l.kind, peerElsewhere: l.peerElsewhere })) : [],
      indexFiles: layout.hostLocalDirs.filter((d) => listDir(d, []).includes(INDEX_FILE)).map((d) => join(d, INDEX_FILE)),
    });
  }
  const unconfigured = attachments.filter((a) => !seen.has(a.network));
  return { networks, unconfigured, firewall: await firewallFacts(readers, problems), links, problems };
}
