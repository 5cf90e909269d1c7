import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { processesIn } from '../node-env.ts';
import { must } from '../sh.ts';
import { linesMentioning, normalizeRuleset, readRuleset, type ContainerRefs } from '../traces.ts';
import type { ClusterNode } from './node.ts';

// What pods leave on a node while they run and must not leave once removed: links (veths,
// ifbs), firewall and NAT rules, host-local reservations, libcni cache entries, pod network
// namespaces and processes (shims, containers). Readers of the node, and a pure comparison.

/** A node's pod-related state. */
export interface NodeState {
  /** veth and ifb links besides the underlay's eth0. */
  readonly links: readonly string[];
  /** host-local reservation files (network/address). */
  readonly reservations: readonly string[];
  /** libcni cache entries (/var/lib/cni/results). */
  readonly cache: readonly string[];
  /** Pod network namespaces containerd mounted (/run/netns). */
  readonly netns: readonly string[];
  /** Processes in the node's mount namespace besides its containerd. */
  readonly processes: readonly string[];
  /** iptables, ip6tables and nftables, normalised. */
  readonly ruleset: string;
}

interface IpLink {
  ifname: string;
  link_info?: { info_kind?: string };
}

function listDir(path: string): string[] {
  return existsSync(path) ? readdirSync(path).sort() : [];
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Reads a node's state. */
export function readNodeState(node: ClusterNode): NodeState {
  const links = (JSON.parse(must(node.env.inNet(['ip', '-d', '-j', 'link', 'show'])) || '[]') as IpLink[])
    .filter((l) => (l.link_info?.info_kind === 'veth' || l.link_info?.info_kind === 'ifb') && l.ifname !== 'eth0')
    .map((l) => `${l.link_info?.info_kind}:${l.ifname}`)
    .sort();
  const netDir = node.env.view('/var/lib/cni/networks');
  const reservations = listDir(netDir).flatMap((net) =>
    listDir(join(netDir, net))
      .filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip') && !f.startsWith('.'))
      .map((f) => `${net}/${f}`),
  );
  const mntNs = readlinkSync(`/proc/${node.env.holderPid}/ns/mnt`);
  const processes = processesIn(mntNs, node.env.holderPid)
    .filter((pid) => pid !== node.daemon.pid)
    .map((pid) => `${pid}(${comm(pid)})`);
  return {
    links,
    reservations,
    cache: listDir(node.env.view('/var/lib/cni/results')),
    netns: listDir(node.env.view('/run/netns')),
    processes,
    ruleset: normalizeRuleset(readRuleset(node.env)),
  };
}

/**
 * What `after` has that `before` lacks, and the rules that name any of `refs` (pure): the traces
 * a set of removed pods left behind. `strictRules` also counts every rule line `before` lacks;
 * off for the first pods of a node, after which the plugins keep their shared chains (as Go's do).
 */
export function leftovers(before: NodeState, after: NodeState, refs: ContainerRefs, strictRules = true): string[] {
  const out: string[] = [];
  const extra = (what: string, a: readonly string[], b: readonly string[]): void => {
    const had = new Set(a);
    const more = b.filter((x) => !had.has(x));
    if (more.length) out.push(`${what}: ${more.slice(0, 4).join(', ')}${more.length > 4 ? ` (+${more.length - 4})` : ''}`);
  };
  extra('links', before.links, after.links);
  extra('reservations', before.reservations, after.reservations);
  extra('cache entries', before.cache, after.cache);
  extra('netns', before.netns, after.netns);
  extra('processes', before.processes, after.processes);
  const rules = linesMentioning(after.ruleset, refs);
  if (rules.length) out.push(`rules naming the pods: ${rules.slice(0, 3).join(' ; ')}${rules.length > 3 ? ` (+${rules.length - 3})` : ''}`);
  if (!strictRules) return out;
  const beforeRules = new Set(before.ruleset.split('\n'));
  const newRules = after.ruleset.split('\n').filter((l) => l.trim() && !beforeRules.has(l));
  if (newRules.length) out.push(`rules added: ${newRules.slice(0, 3).join(' ; ')}${newRules.length > 3 ? ` (+${newRules.length - 3})` : ''}`);
  return out;
}
