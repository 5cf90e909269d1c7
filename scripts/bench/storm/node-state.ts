/**
 * A snapshot of everything a pod's ADD may leave on a node, normalised so two snapshots of the
 * same node are equal when nothing was left behind: links, addresses and routes of the node
 * namespace, both firewall backends (iptables-save, ip6tables-save, nft list ruleset), every
 * file under the state roots (IPAM dataDir, portmap stateDir, the runtime's cache), the
 * file locks held on them, and processes still running in the node namespace or from the plugin
 * directory. Each section is a sorted list of lines; the diff of two snapshots is per section.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync, lstatSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Section name -> sorted normalised lines. */
export type NodeState = Readonly<Record<string, readonly string[]>>;

/** Where to look. */
export interface StateScope {
  /** The node namespace's name under /run/netns. */
  readonly nodeNs: string;
  /** Directories whose whole trees are state (dataDir, stateDir, cacheDir). */
  readonly stateRoots: readonly string[];
  /** The plugin directory: a process running an executable from it is a leftover. */
  readonly pluginDir: string;
}

/**
 * Files whose CONTENT changes by design from one pod to the next (so only their presence is
 * compared): host-local's round-robin cursor `last_reserved_ip.<range>`.
 */
const CONTENT_VARIES = /(^|\/)last_reserved_ip\.\d+$/;
/**
 * Our host-local's index cache (lib/host-local/index-cache.ts) is a journal that grows and is
 * compacted now and then, under a header with a per-write stamp: its bytes differ from run
 * to run by design, so what is compared is what it says, the entries it holds once replayed.
 */
const INDEX_JOURNAL = /(^|\/)\.cni-ts-index$/;

/** "journal of N entries: ip holder, ..." or undefined when it is not a journal we can read. */
function journalEntries(text: string): string | undefined {
  const [header, ...body] = text.split('\n');
  if (!header?.startsWith('cni-ts-host-local-index ')) return undefined;
  const entries = new Map<string, string>();
  for (const l of body) {
    if (l.startsWith('-')) entries.delete(l.slice(1));
    else if (l.trim() !== '') entries.set(l.split('\t')[0] as string, l);
  }
  return `journal of ${entries.size} entries${entries.size ? `: ${[...entries.values()].sort().slice(0, 5).join(', ')}` : ''}`;
}

function run(argv: readonly string[]): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status ?? r.error?.message}: ${(r.stderr ?? '').trim().slice(0, 300)}`);
  return r.stdout;
}

const inNode = (scope: StateScope, argv: readonly string[]): string => run(['ip', 'netns', 'exec', scope.nodeNs, ...argv]);

const lines = (text: string): string[] => text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');

/** Links by name and kind (no indexes, counters or operstate: a bridge's carrier follows its ports). */
function links(scope: StateScope): string[] {
  const all = JSON.parse(run(['ip', '-n', scope.nodeNs, '-d', '-j', 'link', 'show'])) as { ifname: string; linkinfo?: { info_kind?: string } }[];
  return all.map((l) => `${l.ifname} ${l.linkinfo?.info_kind ?? 'device'}`);
}

/**
 * IPv6 link-local addresses and their routes are the kernel's, not a plugin's: the bridge gets
 * its fe80:: address and local route when it first has carrier (a port that stayed up long
 * enough), so whether the warm-up pod already gave it one is a matter of timing.
 */
const LINK_LOCAL = /^fe80:|\bfe80::/;

function addresses(scope: StateScope): string[] {
  const all = JSON.parse(run(['ip', '-n', scope.nodeNs, '-j', 'addr', 'show'])) as { ifname: string; addr_info?: { local: string; prefixlen: number }[] }[];
  return all.flatMap((l) => (l.addr_info ?? []).filter((a) => !LINK_LOCAL.test(a.local)).map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`));
}

function routes(scope: StateScope): string[] {
  const strip = (l: string) => l.replace(/\s+(linkdown|expires \S+|metric 256)/g, '');
  return [4, 6].flatMap((f) =>
    lines(run(['ip', '-n', scope.nodeNs, `-${f}`, 'route', 'show', 'table', 'all']))
      .filter((l) => !(f === 6 && LINK_LOCAL.test(l)))
      .map((l) => `ipv${f} ${strip(l)}`),
  );
}

/** iptables-save without comments and chain counters. */
function iptables(scope: StateScope, tool: string): string[] {
  return lines(inNode(scope, [tool]))
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\s\[\d+:\d+\]$/, ''));
}

/** nft list ruleset, one statement a line, without counters' values. */
function nftables(scope: StateScope): string[] {
  let table = '';
  let chain = '';
  const out: string[] = [];
  for (const raw of lines(inNode(scope, ['nft', 'list', 'ruleset']))) {
    const l = raw.trim().replace(/counter packets \d+ bytes \d+/g, 'counter');
    if (l.startsWith('table ')) table = l.replace(/ \{$/, '');
    else if (l.startsWith('chain ')) chain = l.replace(/ \{$/, '');
    else if (l === '}') continue;
    out.push(`${table} | ${chain} | ${l}`);
  }
  return out;
}

/** Every entry under the state roots: path, type, mode, and a content hash where it is stable. */
function files(scope: StateScope): { entries: string[]; inodes: Map<string, string> } {
  const entries: string[] = [];
  const inodes = new Map<string, string>();
  const walk = (root: string, dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const rel = `${root}:${relative(root, path)}`;
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      inodes.set(lockKey(st.dev, st.ino), rel);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        entries.push(`${rel} dir ${mode}`);
        walk(root, path);
      } else if (st.isFile()) {
        const bytes = readFileSync(path);
        const journal = INDEX_JOURNAL.test(path) ? journalEntries(bytes.toString('latin1')) : undefined;
        const content = CONTENT_VARIES.test(path)
          ? 'content varies by design'
          : (journal ?? `${st.size} B sha256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`);
        entries.push(`${rel} file ${mode} ${content}`);
      } else if (st.isSymbolicLink()) entries.push(`${rel} symlink -> ${readlinkSync(path)}`);
      else entries.push(`${rel} other ${mode}`);
    }
  };
  for (const root of scope.stateRoots) walk(root, root);
  return { entries, inodes };
}

/** A file's identity as /proc/locks prints it: "<major hex>:<minor hex>:<inode>". */
function lockKey(dev: number, ino: number): string {
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino}`;
}

/** Locks in /proc/locks on a file under the state roots: "path TYPE ACCESS" (waiters too). */
function heldLocks(inodes: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const l of lines(readFileSync('/proc/locks', 'utf8'))) {
    // "1: FLOCK  ADVISORY  WRITE 1234 00:2f:5678 0 EOF"; a waiter's line has "->" after "1:"
    const f = l.split(/\s+/).filter((x) => x !== '->');
    const path = inodes.get(f.find((x) => /^[0-9a-f]+:[0-9a-f]+:\d+$/.test(x)) ?? '');
    if (path !== undefined) out.push(`${path} ${f[1]} ${f[3]}`);
  }
  return out;
}

/** Processes (other than this one) in the node namespace or running a program of the plugin directory. */
function processes(scope: StateScope): string[] {
  const nodeNet = statSync(`/run/netns/${scope.nodeNs}`).ino;
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const inNodeNs = statSync(`/proc/${pid}/ns/net`).ino === nodeNet;
      let exe = '';
      try {
        exe = readlinkSync(`/proc/${pid}/exe`);
      } catch {
        exe = '';
      }
      if (inNodeNs || exe.startsWith(`${scope.pluginDir}/`)) {
        const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        out.push(`${comm} (${exe || 'no exe'})${inNodeNs ? ' in the node namespace' : ''}`);
      }
    } catch {
      // it exited while we looked
    }
  }
  return out;
}

/**
 * This process's open descriptors by kind ("pipe", "socket", "anon_inode:[eventfd]", or the
 * file's path): the driver is the one long-lived process, and its fds must not grow.
 */
export function ownFds(): string[] {
  const kinds = new Map<string, number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the fd readdir itself used
    }
    const kind = target.replace(/^(pipe|socket|anon_inode:\[?[a-z_]+\]?):?\[?\d*\]?$/, '$1');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds].map(([k, n]) => `${k} x${n}`);
}

/** Takes a snapshot. `fds` adds this process's descriptors (a soak; not across a storm's peak). */
export function snapshot(scope: StateScope, { fds = true } = {}): NodeState {
  const f = files(scope);
  const state: Record<string, string[]> = {
    links: links(scope),
    addresses: addresses(scope),
    routes: routes(scope),
    iptables: iptables(scope, 'iptables-save'),
    ip6tables: iptables(scope, 'ip6tables-save'),
    nftables: nftables(scope),
    files: f.entries,
    locks: heldLocks(f.inodes),
    processes: processes(scope),
  };
  if (fds) state.driverFds = ownFds();
  for (const k of Object.keys(state)) state[k] = (state[k] as string[]).sort();
  return state;
}

/** What changed in one section: lines only in `after` (left behind) and only in `before` (lost). */
export interface SectionDrift {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** Section -> drift, only the sections that changed (multisets: a line twice counts twice). */
export function diff(before: NodeState, after: NodeState): Record<string, SectionDrift> {
  const out: Record<string, SectionDrift> = {};
  for (const section of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const count = new Map<string, number>();
    for (const l of before[section] ?? []) count.set(l, (count.get(l) ?? 0) + 1);
    for (const l of after[section] ?? []) count.set(l, (count.get(l) ?? 0) - 1);
    const added: string[] = [];
    const removed: string[] = [];
    for (const [l, n] of count) {
      for (let i = 0; i < -n; i++) added.push(l);
      for (let i = 0; i < n; i++) removed.push(l);
    }
    if (added.length + removed.length > 0) out[section] = { added, removed };
  }
  return out;
}

/** The number of changed lines over all sections. */
export function driftSize(d: Readonly<Record<string, SectionDrift>>): number {
  return Object.values(d).reduce((n, s) => n + s.added.length + s.removed.length, 0);
}

/** "none" or one line per changed section with a few of its lines. */
export function formatDrift(d: Readonly<Record<string, SectionDrift>>, max = 4): string {
  const parts = Object.entries(d).map(([section, s]) => {
    const show = (sign: string, xs: readonly string[]) => xs.slice(0, max).map((x) => `      ${sign} ${x}`).join('\n') + (xs.length > max ? `\n      ${sign} ... ${xs.length - max} more` : '');
    return `    ${section}: +${s.added.length} -${s.removed.length}\n${[show('+', s.added), show('-', s.removed)].filter(Boolean).join('\n')}`;
  });
  return parts.length === 0 ? 'none' : `\n${parts.join('\n')}`;
}
