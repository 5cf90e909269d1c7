import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import { type CommandRunner, findExecutable } from '../../lib/firewall/index.ts';

// MAC spoof check: an nftables bridge-family filter that drops frames entering from the
// container's host port unless their source MAC is the container's. The reference's layout,
// so either implementation removes the other's: table `bridge nat`, base chain PREROUTING
// (filter, prerouting, priority -300), per attachment a jump on iifname to chain
// `cni-br-iface-<cid>-<ifname>`, which jumps to `...-mac` (source MAC return, else drop);
// every rule commented `macspoofchk-<cid>-<ifname>`. Written as nft JSON, which takes any
// characters a container ID may hold (the text syntax refuses quoted chain names), passed as
// an argument (`nft -j -f -` opens /dev/stdin, which fails on the socket Node gives a child
// as stdin), in one transaction (the reference uses two).

const FAMILY = 'bridge';
const TABLE = 'nat';
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
export function spoofCheckSetupJson(a: { containerId: string; ifname: string; hostVeth: string; mac: string }): string {
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
export function spoofCheckTeardownJson(listing: string, a: { containerId: string; ifname: string }): string | undefined {
  const n = names(a.containerId, a.ifname);
  const items = (JSON.parse(listing) as { nftables?: Record<string, any>[] }).nftables ?? [];
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

/** Installs the check for one attachment in one `nft -j` transaction. */
export async function setupMacSpoofCheck(runner: CommandRunner, a: { containerId: string; ifname: string; hostVeth: string; mac: string }): Promise<void> {
  const nft = findExecutable('nft');
  if (!nft) throw new CniError(ErrorCode.Internal, 'macspoofchk needs nftables, but the nft command is not installed', 'install nftables or turn macspoofchk off');
  const r = await runner.run([nft, '-j', spoofCheckSetupJson(a)]);
  if (r.exitCode !== 0) throw new CniError(ErrorCode.Internal, `macspoofchk setup failed: ${r.stderr.trim()}`);
}

/** Removes the check of one attachment (also one the Go plugin made); what is absent counts as removed. */
export async function teardownMacSpoofCheck(runner: CommandRunner, a: { containerId: string; ifname: string }): Promise<void> {
  const nft = findExecutable('nft');
  if (!nft) return; // without nft nobody can have installed the check
  // a second round absorbs a concurrent change between the listing and the delete
  for (let round = 0; ; round++) {
    const listed = await runner.run([nft, '-j', '-a', 'list', 'table', FAMILY, TABLE]);
    if (listed.exitCode !== 0) {
      if (/No such file or directory/.test(listed.stderr)) return; // no table: nothing of ours
      throw new CniError(ErrorCode.Internal, `macspoofchk teardown: listing table bridge nat failed: ${listed.stderr.trim()}`);
    }
    const script = spoofCheckTeardownJson(listed.stdout, a);
    if (!script) return;
    const r = await runner.run([nft, '-j', script]);
    if (r.exitCode === 0) return;
    if (round === 1) throw new CniError(ErrorCode.Internal, `macspoofchk teardown failed: ${r.stderr.trim()}`);
  }
}
