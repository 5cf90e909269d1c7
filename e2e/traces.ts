import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { NodeEnv } from './node-env.ts';
import { must, run } from './sh.ts';

// What a container leaves on the node while it runs, and must not leave once removed: firewall
// rules, veths, host-local reservations and libcni cache entries. Pure matchers over text and
// file lists, plus thin readers of the node's state.

/** What identifies a container's traces. */
export interface ContainerRefs {
  /** CNI_CONTAINERID values (podman's 64-hex ID, ctr's `<namespace>-<id>`). */
  readonly ids: readonly string[];
  readonly ips: readonly string[];
  readonly hostPorts: readonly number[];
}

/** Drops counters and comments so two dumps of the same rules compare equal (pure). */
export function normalizeRuleset(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/\[\d+:\d+\]/g, '[0:0]').replace(/counter packets \d+ bytes \d+/g, 'counter'))
    .join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The ruleset lines that mention any of the container's IDs, addresses or host ports (pure). */
export function linesMentioning(ruleset: string, refs: ContainerRefs): string[] {
  const patterns = [
    ...refs.ids.map((id) => new RegExp(escapeRegExp(id))),
    ...refs.ips.map((ip) => new RegExp(`(?<![\\d.])${escapeRegExp(ip)}(?![\\d])`)),
    ...refs.hostPorts.map((port) => new RegExp(`(?<![\\w.])${port}(?!\\w)`)),
  ];
  return ruleset.split('\n').filter((line) => patterns.some((p) => p.test(line)));
}

/** The ruleset lines that match `ip` as a source address (pure): masquerade rules. */
export function sourceRules(ruleset: string, ip: string): string[] {
  const pattern = new RegExp(`(-s |saddr )${escapeRegExp(ip)}(?![\\d])`);
  return ruleset.split('\n').filter((line) => pattern.test(line));
}

/** The node's iptables, ip6tables and nftables rules as one normalised text. */
export function readRuleset(env: NodeEnv): string {
  const parts = [
    run(env.inNet(['iptables-save'])).stdout,
    run(env.inNet(['ip6tables-save'])).stdout,
    must(env.inNet(['nft', 'list', 'ruleset'])),
  ];
  return normalizeRuleset(parts.join('\n'));
}

interface IpLink {
  ifname: string;
  link_info?: { info_kind?: string };
  master?: string;
}

/** The node's veth interfaces, except the uplink pair that carries the node IP. */
export function readVeths(env: NodeEnv): string[] {
  const links = JSON.parse(must(env.inNet(['ip', '-d', '-j', 'link', 'show'])) || '[]') as IpLink[];
  return links
    .filter((l) => l.link_info?.info_kind === 'veth' && l.ifname !== 'uplink0' && l.ifname !== 'uplink0p')
    .map((l) => l.ifname);
}

/** The interfaces enslaved to `bridge` in the node (none when the bridge does not exist). */
export function readBridgePorts(env: NodeEnv, bridge: string): string[] {
  const r = run(env.inNet(['ip', '-j', 'link', 'show', 'master', bridge]));
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout || '[]') as IpLink[]).map((l) => l.ifname);
}

/** A file in host-local's data directory. */
export interface IpamFile {
  readonly path: string;
  readonly content: string;
}

/** Every file under host-local's data directory (recursively). */
export function readIpamFiles(dir: string): IpamFile[] {
  if (!existsSync(dir)) return [];
  const out: IpamFile[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...readIpamFiles(path));
    else out.push({ path, content: readFileSync(path, 'utf8') });
  }
  return out;
}

/**
 * The reservation files among host-local's files (pure): named after an IP address, or naming
 * one of `ids`. The lock, last_reserved_ip.* and dotfiles (our host-local's index cache, temporary
 * files) are bookkeeping, not reservations.
 */
export function reservations(files: readonly IpamFile[], ids: readonly string[] = []): IpamFile[] {
  return files.filter((f) => {
    const name = basename(f.path);
    if (name === 'lock' || name.startsWith('last_reserved_ip') || name.startsWith('.')) return false;
    return /^[\d.]+$|:/.test(name) || ids.some((id) => f.content.includes(id));
  });
}

/** libcni's cache entries (`/var/lib/cni/results/<network>-<id>-<ifname>`) of a network. */
export function readCacheEntries(env: NodeEnv, network: string): string[] {
  const dir = env.view('/var/lib/cni/results');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => name.startsWith(`${network}-`));
}

/** The named network namespaces a runtime left in the private /run/netns. */
export function readRuntimeNetns(env: NodeEnv): string[] {
  const dir = env.view('/run/netns');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Throws with `what` and the offending items when `items` is not empty. */
export function expectNone(what: string, items: readonly string[]): void {
  if (items.length) throw new Error(`${what}: ${items.slice(0, 5).join(' ; ')}${items.length > 5 ? ` (+${items.length - 5} more)` : ''}`);
}
