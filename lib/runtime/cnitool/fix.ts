import { readdirSync, rmSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { readReservation } from '../../host-local/reservation-files.ts';
import { removeStateFile } from '../../sys/state-file.ts';
import type { Attachment } from '../../core/index.ts';
import type { CniRuntime } from '../cni-runtime.ts';
import type { NetworkConfigList } from '../conf.ts';
import type { CommandOutcome } from './collect-facts.ts';
import { type Finding, LOCALNET_IPTABLES_CHAIN } from './judge.ts';
import type { NetworkFacts, NodeFacts } from './node-facts.ts';

// doctor --fix, effectful. First the plugins' own GC (CNI GC with the live cached attachments
// as cni.dev/valid-attachments; the runtime DELs the cached attachments whose netns is gone
// on the way), then, for what is still found after a fresh look, direct removal: what GC does
// not reach (veths, a cache entry whose DEL failed, networks below 1.1.0 that have no GC,
// and leftovers that no plugin of the list owns any more).

/** What the fix needs from the node, injected like the readers. */
export interface NodeWriters {
  run(argv: readonly string[], input?: string): Promise<CommandOutcome>;
  deleteLink(name: string): void;
}

/**
 * GC of every network in scope, valid = its cached attachments whose netns exists (or has no
 * netns to check). Returns the failures as text; they do not stop the other networks.
 */
export async function gcNetworks(runtime: CniRuntime, lists: readonly NetworkConfigList[], networks: readonly NetworkFacts[]): Promise<string[]> {
  const errors: string[] = [];
  for (const n of networks) {
    const list = lists.find((l) => l.name === n.name);
    if (!list) continue;
    const valid: Attachment[] = n.attachments.filter((a) => a.netnsExists !== false).map((a) => ({ containerId: a.containerId, ifname: a.ifname }));
    try {
      await runtime.gcNetworkList(list, { validAttachments: valid });
    } catch (e) {
      errors.push(`GC of network ${n.name}: ${describe(e)}`);
    }
  }
  return errors;
}

function describe(e: unknown): string {
  const errs = (e as { errors?: unknown[] }).errors;
  const base = e instanceof Error ? e.message : String(e);
  return Array.isArray(errs) && errs.length > 0 ? `${base}: ${errs.map((x) => (x instanceof Error ? x.message : String(x))).join('; ')}` : base;
}

async function restore(w: NodeWriters, family: 4 | 6, table: string, lines: readonly string[]): Promise<void> {
  const tool = family === 4 ? 'iptables-restore' : 'ip6tables-restore';
  const r = await w.run([tool, '-w', '--noflush'], `*${table}\n${lines.join('\n')}\nCOMMIT\n`);
  if (r.exitCode !== 0) throw new Error(`${tool} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
}

/** Deletes an iptables chain and every rule jumping to it, in one transaction. */
async function removeChain(w: NodeWriters, facts: NodeFacts, family: 4 | 6, table: string, chain: string): Promise<void> {
  const jumps = (facts.firewall.iptables?.rules ?? []).filter((r) => r.family === family && r.table === table && r.target === chain);
  await restore(w, family, table, [...jumps.map((r) => `-D ${r.chain} ${r.spec}`), `-F ${chain}`, `-X ${chain}`]);
}

async function nftScript(w: NodeWriters, script: string): Promise<void> {
  const r = await w.run(['nft', '-f', '-'], script);
  if (r.exitCode !== 0) throw new Error(`nft -f - failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
}

/** Removes one finding directly. @throws Error saying why it could not */
async function removeDirectly(f: Finding, facts: NodeFacts, runtime: CniRuntime, w: NodeWriters): Promise<void> {
  switch (f.kind) {
    case 'stale-attachment':
      // its DEL (through GC) failed: the netns is gone, so nothing in it can be reached any more
      await runtime.cache.remove({ network: f.network, containerId: f.containerId, ifname: f.ifname });
      return;
    case 'orphan-reservation': {
      // only if the file still names the same holder: an ADD may have taken the address meanwhile
      const now = readReservation(f.file, true);
      if (now === undefined) return;
      if ((now.holder?.containerId ?? undefined) !== f.containerId || (now.holder?.ifname ?? undefined) !== f.ifname) throw new Error(`${f.file} changed meanwhile; left`);
      unlinkSync(f.file);
      return;
    }
    case 'orphan-record':
      removeStateFile(f.file);
      return;
    case 'orphan-veth':
      w.deleteLink(f.name);
      return;
    case 'orphan-iptables-chain':
      await removeChain(w, facts, f.family, f.table, f.chain);
      return;
    case 'orphan-iptables-rule':
      await restore(w, f.family, f.table, [`-D ${f.chain} ${f.spec}`]);
      return;
    case 'orphan-nft-rule':
      await nftScript(w, `delete rule ${f.family} ${f.table} ${f.chain} handle ${f.handle}\n`);
      return;
    case 'downgrade-leftover':
      switch (f.what) {
        case 'host-local-index':
          removeStateFile(f.path);
          return;
        case 'localnet-guard-iptables':
          await removeChain(w, facts, 4, 'filter', LOCALNET_IPTABLES_CHAIN);
          return;
        case 'localnet-guard-nft': {
          const [family, table, chain] = f.path.split(' ');
          await nftScript(w, `flush chain ${family} ${table} ${chain}\ndelete chain ${family} ${table} ${chain}\n`);
          return;
        }
        case 'state-dir': {
          rmSync(f.path, { recursive: true, force: true });
          // the state directory itself, once no network has a directory there
          const parent = dirname(f.path);
          if (readdirSync(parent).length === 0) rmdirSync(parent);
          return;
        }
      }
  }
}

/** Removes each finding directly; returns the failures as text. */
export async function removeFindings(findings: readonly Finding[], facts: NodeFacts, runtime: CniRuntime, w: NodeWriters): Promise<string[]> {
  const errors: string[] = [];
  for (const f of findings) {
    try {
      await removeDirectly(f, facts, runtime, w);
    } catch (e) {
      errors.push(`${f.kind}: ${describe(e)}`);
    }
  }
  return errors;
}
