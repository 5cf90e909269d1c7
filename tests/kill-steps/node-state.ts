import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TestNamespace } from '../../lib/testing/index.ts';

// Test-only: everything a pod's ADD can leave on a node, as sorted lines per aspect, so two
// snapshots compare with a plain diff. Run-dependent details (ifindexes, counters, link flags
// that follow carrier, timestamps) are left out; what identifies a leftover is kept.

export type Snapshot = Record<string, string[]>;

/** Where the chain keeps state on disk, and the namespaces it acts on. */
export interface StatePlaces {
  readonly node: TestNamespace;
  readonly pod: TestNamespace;
  /** host-local's dataDir, portmap's stateDir, the runtime's cache dir. */
  readonly dirs: Readonly<Record<string, string>>;
}

/** sysctls that change by themselves (counters), not by a plugin. */
const VOLATILE_SYSCTL = /^net\.(netfilter\.nf_conntrack_count|ipv6\.route\.|ipv4\.route\.)/;

/**
 * What the namespace's tools print, one section each, read with one process start (nsenter
 * and a shell) instead of one `ip netns exec` per tool: a snapshot runs after every kill point.
 * Some sysctls (stable_secret) cannot be read; their errors go to /dev/null.
 */
const SECTIONS = {
  links: 'ip -j -d link show',
  addresses: 'ip -j addr show',
  routes4: 'ip -j -4 route show table all',
  routes6: 'ip -j -6 route show table all',
  sysctls: "sysctl -a -r '^net\\.' 2>/dev/null",
  iptables: 'iptables-save; ip6tables-save',
  nftables: 'nft list ruleset',
} as const;
type Section = keyof typeof SECTIONS;

function readSections(ns: TestNamespace, wanted: readonly Section[]): Record<Section, string> {
  const script = wanted.map((s) => `echo '@@${s}'; ${SECTIONS[s]}`).join('\n');
  const r = spawnSync('nsenter', [`--net=${ns.path}`, '--', 'sh', '-c', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && r.stdout === '') throw new Error(`snapshot of ${ns.name} failed: ${r.stderr}`);
  const out = {} as Record<Section, string>;
  for (const part of r.stdout.split(/^@@/m).slice(1)) {
    const nl = part.indexOf('\n');
    out[part.slice(0, nl) as Section] = part.slice(nl + 1);
  }
  return out;
}

/**
 * IPv6 link-local addresses and their routes: the kernel adds them on its own when a link
 * comes up (and the bridge's only once a port gave it carrier, some time later), so when they
 * show up depends on timing, not on a plugin. A leaked link shows under links anyway.
 */
const KERNEL_LINK_LOCAL = /(^| )(fe80:|ff00::\/8 )/;

const parsed = <T>(text: string | undefined): T[] => (text?.trim() ? (JSON.parse(text) as T[]) : []);

function links(text: string | undefined): string[] {
  return parsed<{ ifname: string; master?: string; linkinfo?: { info_kind?: string } }>(text).map(
    (l) => `${l.ifname} kind=${l.linkinfo?.info_kind ?? '-'} master=${l.master ?? '-'}`,
  );
}

function addresses(text: string | undefined): string[] {
  return parsed<{ ifname: string; addr_info: { local: string; prefixlen: number; scope: string }[] }>(text).flatMap((l) =>
    l.addr_info.map((a) => `${l.ifname} ${a.local}/${a.prefixlen} scope=${a.scope}`),
  ).filter((a) => !KERNEL_LINK_LOCAL.test(a));
}

function routes(...texts: (string | undefined)[]): string[] {
  type Route = { type?: string; dst: string; gateway?: string; dev?: string; protocol?: string; scope?: string; table?: string };
  const fmt = (r: Route) => `${r.table ?? 'main'} ${r.type ?? 'unicast'} ${r.dst} via=${r.gateway ?? '-'} dev=${r.dev ?? '-'} proto=${r.protocol ?? '-'} scope=${r.scope ?? '-'}`;
  return texts.flatMap((t) => parsed<Route>(t)).map(fmt).filter((r) => !KERNEL_LINK_LOCAL.test(r));
}

function sysctls(text = ''): string[] {
  return text.split('\n').filter((l) => l !== '' && !VOLATILE_SYSCTL.test(l));
}

/** iptables-save of both families, without comments and packet counters. */
function iptables(text = ''): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]'));
}

/** `nft list ruleset` (iptables-nft's tables included), without counters. */
function nftables(text = ''): string[] {
  return text.split('\n').map((l) => l.trim().replace(/packets \d+ bytes \d+/g, 'packets 0 bytes 0')).filter((l) => l !== '' && !l.startsWith('#'));
}

/** Every file and directory under the state dirs (names only: a reservation is its name). */
function files(dirs: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  const walk = (label: string, root: string, dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      out.push(`${label}:${relative(root, p)}${e.isDirectory() ? '/' : ''}`);
      if (e.isDirectory()) walk(label, root, p);
    }
  };
  for (const [label, root] of Object.entries(dirs)) if (existsSync(root)) walk(label, root, root);
  return out;
}

/** The dir label and relative path of a `files` line. */
function place(line: string): { label: string; rel: string } {
  const i = line.indexOf(':');
  return { label: line.slice(0, i), rel: line.slice(i + 1) };
}

/**
 * The reservations host-local's index (a journal of "ip\tid\tifname" and "-ip" lines, see
 * lib/host-local/index-cache.ts) still claims, replayed: a stale claim would keep an address
 * taken even with its reservation file gone.
 */
function indexEntries(dirs: Readonly<Record<string, string>>): string[] {
  return files(dirs)
    .filter((f) => f.endsWith('/.cni-ts-index'))
    .flatMap((f) => {
      const { label, rel } = place(f);
      const claims = new Map<string, string>();
      for (const line of readFileSync(join(dirs[label] as string, rel), 'utf8').split('\n').slice(1)) {
        if (line.startsWith('-')) claims.delete(line.slice(1).trim());
        else if (line.includes('\t')) claims.set(line.split('\t')[0] as string, line);
      }
      return [...claims.values()].map((l) => `${f} ${l}`);
    });
}

/** Files under the state dirs that another process cannot lock at once (a lock still held). */
function heldLocks(dirs: Readonly<Record<string, string>>): string[] {
  return files(dirs).filter((f) => {
    const { label, rel } = place(f);
    const path = join(dirs[label] as string, rel);
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    return spawnSync('flock', ['--nonblock', '--exclusive', path, 'true']).status !== 0;
  });
}

/** Processes still running in a namespace (a plugin, a child it started, strace). */
export function processesIn(ns: TestNamespace): string[] {
  const r = spawnSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map((pid) => {
    let cmd = '?';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      // exited meanwhile
    }
    return cmd;
  });
}

/** Everything the chain may have changed. */
export function snapshot(p: StatePlaces): Snapshot {
  const pod = readSections(p.pod, ['links', 'addresses']);
  const node = readSections(p.node, Object.keys(SECTIONS) as Section[]);
  return {
    'pod links': links(pod.links),
    'pod addresses': addresses(pod.addresses),
    'node links': links(node.links),
    'node addresses': addresses(node.addresses),
    'node routes': routes(node.routes4, node.routes6),
    'node sysctls': sysctls(node.sysctls),
    'node iptables': iptables(node.iptables),
    'node nftables': nftables(node.nftables),
    ...onDisk(p.dirs),
    'node processes': processesIn(p.node),
    'pod processes': processesIn(p.pod),
  };
}

/** The aspects kept on disk only: cheap enough to look at between DEL and GC too. */
export function onDisk(dirs: StatePlaces['dirs']): Snapshot {
  return { 'state files': files(dirs), 'index entries': indexEntries(dirs), 'held locks': heldLocks(dirs) };
}

/** Per aspect of `after`: what it has that `before` has not (+) and the reverse (-); empty when equal. */
export function diff(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const aspect of Object.keys(after)) {
    const b = new Set(before[aspect] ?? []);
    const a = new Set(after[aspect] ?? []);
    for (const l of a) if (!b.has(l)) out.push(`${aspect} + ${l}`);
    for (const l of b) if (!a.has(l)) out.push(`${aspect} - ${l}`);
  }
  return out;
}
