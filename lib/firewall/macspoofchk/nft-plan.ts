import type { Attachment } from '../../core/index.ts';
import type { MacSpoofCheckSpec, MacSpoofCheckTarget } from './types.ts';

// MAC spoof check: an nftables bridge-family filter that drops frames entering from the
// container's host port unless their source MAC is the container's. The reference's layout,
// so either implementation removes the other's: table `bridge nat`, base chain PREROUTING
// (filter, prerouting, priority -300), per attachment a jump on iifname to chain
// `cni-br-iface-<cid>-<ifname>`, which jumps to `...-mac` (source MAC return, else drop);
// every rule commented `macspoofchk-<cid>-<ifname>`. Written as nft JSON, which takes any
// characters a container ID may hold (the text syntax refuses quoted chain names), passed as
// an argument (`nft -j -f -` opens /dev/stdin, which fails on the socket Node gives a child
// as stdin), in one transaction (the reference uses two).

export const FAMILY = 'bridge';
export const TABLE = 'nat';
const BASE = 'PREROUTING';

interface Names {
  readonly iface: string;
  readonly mac: string;
  readonly comment: string;
}

function names(containerId: string, ifname: string): Names {
  const iface = `cni-br-iface-${containerId}-${ifname}`.slice(0, 250); // nft allows 255 bytes
  return { iface, mac: `${iface}-mac`, comment: `macspoofchk-${containerId}-${ifname}`.slice(0, 128) };
}

const chain = (name: string) => ({ chain: { family: FAMILY, table: TABLE, name } });
const rule = (chainName: string, expr: unknown[], comment: string) => ({ rule: { family: FAMILY, table: TABLE, chain: chainName, expr, comment } });

/** The setup transaction: table and base chain if absent, the two chains rewritten, four rules. */
export function spoofCheckSetupJson(a: MacSpoofCheckSpec): string {
  const n = names(a.containerId, a.ifname);
  const commands = [
    { add: { table: { family: FAMILY, name: TABLE } } },
    { add: { chain: { family: FAMILY, table: TABLE, name: BASE, type: 'filter', hook: 'prerouting', prio: -300, policy: 'accept' } } },
    { add: chain(n.iface) },
    { add: chain(n.mac) },
    { flush: chain(n.iface) },
    { flush: chain(n.mac) },
    { add: rule(BASE, [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: a.hostVeth } }, { jump: { target: n.iface } }], n.comment) },
    { add: rule(n.iface, [{ jump: { target: n.mac } }], n.comment) },
    { add: rule(n.mac, [{ match: { op: '==', left: { payload: { protocol: 'ether', field: 'saddr' } }, right: a.mac } }, { return: null }], n.comment) },
    { add: rule(n.mac, [{ drop: null }], n.comment) },
  ];
  return JSON.stringify({ nftables: commands });
}

/** The teardown transaction for what a `nft -j -a list table bridge nat` listing shows; undefined when nothing is ours. */
export function spoofCheckTeardownJson(listing: string, a: MacSpoofCheckTarget): string | undefined {
  const n = names(a.containerId, a.ifname);
  const items = listedItems(listing);
  const commands: unknown[] = [];
  for (const item of items) {
    const r = item.rule;
    if (r && r.chain === BASE && r.comment === n.comment) commands.push({ delete: { rule: { family: FAMILY, table: TABLE, chain: BASE, handle: r.handle } } });
  }
  // the iface chain before the mac chain: its jump keeps the mac chain busy until it goes
  for (const name of [n.iface, n.mac]) {
    if (items.some((i) => i.chain?.name === name)) commands.push({ delete: chain(name) });
  }
  return commands.length ? JSON.stringify({ nftables: commands }) : undefined;
}

/**
 * The GC transaction: every check whose attachment is not in `valid` and whose jump names a
 * host interface `isOurs` accepts (the layout names no network: the interface tells whose
 * it is), found by the jump rules in the base chain; undefined when none is stale. Checks
 * without a jump rule are left alone: nothing tells their network.
 */
export function staleSpoofChecksJson(listing: string, valid: readonly Attachment[], isOurs: (hostInterface: string) => boolean): string | undefined {
  const keep = new Set(valid.map((a) => names(a.containerId, a.ifname).comment));
  const items = listedItems(listing);
  const listedChains = new Set(items.map((i) => i.chain?.name).filter((n): n is string => typeof n === 'string'));
  const rules: unknown[] = [];
  const chains = new Set<string>();
  for (const item of items) {
    const r = item.rule;
    if (!r || r.chain !== BASE || typeof r.comment !== 'string' || !r.comment.startsWith('macspoofchk-') || keep.has(r.comment)) continue;
    const expr: ListedItem[] = Array.isArray(r.expr) ? r.expr : [];
    const iifname = expr.find((e) => e.match?.left?.meta?.key === 'iifname')?.match.right;
    const target = expr.find((e) => e.jump)?.jump.target;
    if (typeof iifname !== 'string' || !isOurs(iifname)) continue;
    rules.push({ delete: { rule: { family: FAMILY, table: TABLE, chain: BASE, handle: r.handle } } });
    // the iface chain before the mac chain: its jump keeps the mac chain busy until it goes
    if (typeof target === 'string') for (const name of [target, `${target}-mac`]) if (listedChains.has(name)) chains.add(name);
  }
  const commands = [...rules, ...[...chains].map((name) => ({ delete: chain(name) }))];
  return commands.length ? JSON.stringify({ nftables: commands }) : undefined;
}

type ListedItem = Record<string, any>;

function listedItems(listing: string): ListedItem[] {
  return (JSON.parse(listing) as { nftables?: ListedItem[] }).nftables ?? [];
}

/** What of the attachment's check a `nft -j -a list table bridge nat` listing lacks. */
export function spoofCheckMissing(listing: string, a: MacSpoofCheckSpec): string[] {
  const n = names(a.containerId, a.ifname);
  const items = listedItems(listing);
  const missing: string[] = [];
  const hasRule = (chainName: string): boolean => items.some((i) => i.rule?.chain === chainName && i.rule.comment === n.comment);
  for (const name of [n.iface, n.mac]) {
    if (!items.some((i) => i.chain?.name === name)) missing.push(`chain ${name}`);
    else if (!hasRule(name)) missing.push(`rules of chain ${name}`);
  }
  if (!hasRule(BASE)) missing.push(`jump from ${BASE} for ${a.hostVeth}`);
  return missing;
}
