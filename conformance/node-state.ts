// "Nothing is left on the node": a textual snapshot of everything a plugin can leave in the node
// namespace (links, addresses, routes, iptables and nftables rules, IPAM files), compared before
// and after one attachment's ADD+DEL. Shared state made once per node (the bridge, top-level
// chains) is created by a warm-up attachment first, so any difference is a leak.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TestNamespace } from '../lib/testing/index.ts';
import { execIn, sleep } from './exec.ts';
import { fail } from './expect.ts';

interface IpLink {
  ifname: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}
interface IpAddr {
  ifname: string;
  addr_info?: { local: string; prefixlen: number; scope?: string }[];
}
interface IpRoute {
  dst: string;
  dev?: string;
  gateway?: string;
  table?: string;
  type?: string;
  protocol?: string;
}

async function ipJson<T>(ns: TestNamespace, args: string[]): Promise<T[]> {
  const r = await execIn(ns.name, ['ip', '-j', ...args], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout || '[]') as T[];
}

async function textLines(ns: TestNamespace, argv: string[]): Promise<string[]> {
  const r = await execIn(ns.name, argv, { timeoutMs: 10_000 });
  if (r.code !== 0) return [];
  return r.stdout.split('\n');
}

function normaliseRule(line: string): string {
  return line
    .replace(/\[\d+:\d+\]/g, '[0:0]')
    .replace(/counter packets \d+ bytes \d+/g, 'counter')
    .replace(/\s+#\s*handle \d+/g, '')
    .trim();
}

function isLinkLocal6(dst: string): boolean {
  return /^(fe80|ff[0-9a-f]{2}|multicast)/i.test(dst);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/** Everything observable in the node namespace, one normalised line per fact, sorted. */
export async function snapshotNode(node: TestNamespace, dataDirs: readonly string[] = []): Promise<string[]> {
  const [links, addrs, routes4, routes6, ipt4, ipt6, nft] = await Promise.all([
    ipJson<IpLink>(node, ['-d', 'link', 'show']),
    ipJson<IpAddr>(node, ['addr', 'show']),
    ipJson<IpRoute>(node, ['-4', 'route', 'show', 'table', 'all']),
    ipJson<IpRoute>(node, ['-6', 'route', 'show', 'table', 'all']),
    textLines(node, ['iptables-save']),
    textLines(node, ['ip6tables-save']),
    textLines(node, ['nft', 'list', 'ruleset']),
  ]);
  const lines: string[] = [];
  for (const l of links) lines.push(`link ${l.ifname} ${l.linkinfo?.info_kind ?? '-'}${l.master ? ` master=${l.master}` : ''}`);
  for (const a of addrs) {
    for (const i of a.addr_info ?? []) if (i.scope !== 'link') lines.push(`addr ${a.ifname} ${i.local}/${i.prefixlen}`);
  }
  for (const r of routes4) lines.push(`route4 ${r.type ?? ''} ${r.dst} dev=${r.dev ?? ''} via=${r.gateway ?? ''} table=${r.table ?? 'main'}`);
  for (const r of routes6) {
    if (!isLinkLocal6(r.dst)) lines.push(`route6 ${r.type ?? ''} ${r.dst} dev=${r.dev ?? ''} via=${r.gateway ?? ''} table=${r.table ?? 'main'}`);
  }
  for (const [tag, src] of [['iptables', ipt4], ['ip6tables', ipt6], ['nft', nft]] as const) {
    for (const raw of src) {
      const line = normaliseRule(raw);
      if (line !== '' && !line.startsWith('#')) lines.push(`${tag} ${line}`);
    }
  }
  for (const d of dataDirs) for (const f of listFiles(d)) lines.push(`file ${f}`);
  return lines.sort();
}

/** Lines present in `after` but not in `before` (multiset difference). */
export function addedLines(before: readonly string[], after: readonly string[]): string[] {
  const count = new Map<string, number>();
  for (const l of before) count.set(l, (count.get(l) ?? 0) + 1);
  const out: string[] = [];
  for (const l of after) {
    const n = count.get(l) ?? 0;
    if (n > 0) count.set(l, n - 1);
    else out.push(l);
  }
  return out;
}

/**
 * Fails unless the node matches `before` (nothing added). Polls for up to `waitMs`, because the
 * kernel destroys a deleted namespace's veth peers asynchronously.
 */
export async function expectNodeClean(
  node: TestNamespace,
  before: readonly string[],
  opts: { dataDirs?: readonly string[]; waitMs?: number; what?: string; signal?: AbortSignal } = {},
): Promise<void> {
  const deadline = performance.now() + (opts.waitMs ?? 3000);
  let added: string[] = [];
  for (;;) {
    added = addedLines(before, await snapshotNode(node, opts.dataDirs ?? []));
    if (added.length === 0) return;
    if (performance.now() > deadline || opts.signal?.aborted) break;
    await sleep(100, opts.signal);
  }
  const shown = added.slice(0, 6).join(' | ');
  fail(`${opts.what ?? 'after DEL'} the node still has ${added.length} new item(s): ${shown}${added.length > 6 ? ' | …' : ''}`);
}
