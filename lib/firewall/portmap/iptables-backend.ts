import { withNetnsMutex } from '../../sys/index.ts';
import { parseListedRules } from '../iptables-save.ts';
import { portmapDnatChainName, portmapLegacySnatChainName } from '../names.ts';
import type { CommandOutput, CommandRunner } from '../runner.ts';
import { CommandError } from '../runner.ts';
import { chainAbsent, eachFamily } from '../iptables-output.ts';
import { PortmapCheckError } from './errors.ts';
import { dnatComment, entryRules, iptablesFamilyPlan, LEGACY_TOP_SNAT_CHAIN, TOP_DNAT_CHAIN } from './iptables-rules.ts';
import { checkRestore, gcRestore, ownerTeardownRestore, parseSaveTable, repairRestore, rulesJumpingTo, setupRestore, teardownRestore } from './iptables-restore.ts';
import type { IptablesFamilyPlan } from './iptables-rules.ts';
import type { Family } from '../../addr/index.ts';
import { familyViews, teardownViews, validateOwner } from './spec.ts';
import type { PortmapBackend, PortmapSpec, PortmapTeardownTarget } from './types.ts';
import type { Attachment } from '../../core/index.ts';
import { type IptablesBinaries, iptablesBinaries } from '../iptables-binaries.ts';

/** Options for iptablesPortmap. */
export interface IptablesPortmapOptions {
  /** @default bare names (iptables, iptables-restore, iptables-save and the ip6 ones) */
  readonly binaries?: Partial<IptablesBinaries>;
}

/** How many times a slow path re-reads the host after losing a race with another invocation. */
const ATTEMPTS = 3;

/**
 * Host port mappings in iptables table nat, in exactly the Go plugin's layout (chain names,
 * comments, rule shapes), so either implementation tears down what the other installed.
 *
 * Cost model: ADD and DEL are each ONE `iptables-restore --noflush` per address family on
 * the common path; nothing is listed. Only when that transaction fails (first pod on the
 * node, a repeated ADD, rules made by another version, a DEL without mappings) does the
 * backend read the host and retry: node-wide chains are created there, idempotently.
 */
export function iptablesPortmap(runner: CommandRunner, options: IptablesPortmapOptions = {}): PortmapBackend {
  const bin = iptablesBinaries(options.binaries);

  async function restore(family: Family, text: string): Promise<CommandOutput> {
    return runner.run([family === 4 ? bin.iptablesRestore : bin.ip6tablesRestore, '--noflush', '--wait'], { input: text });
  }

  async function list(family: Family, chain: string): Promise<CommandOutput> {
    return runner.run([family === 4 ? bin.iptables : bin.ip6tables, '--wait', '-t', 'nat', '-S', chain]);
  }

  async function save(family: Family, table: 'nat' | 'filter'): Promise<string> {
    const argv = [family === 4 ? bin.iptablesSave : bin.ip6tablesSave, '-t', table];
    const r = await runner.run(argv);
    if (r.exitCode !== 0) throw new CommandError(argv, r.exitCode, r.stderr);
    return r.stdout;
  }

  function fail(family: Family, r: CommandOutput): never {
    throw new CommandError([family === 4 ? bin.iptablesRestore : bin.ip6tablesRestore, '--noflush', '--wait'], r.exitCode, r.stderr);
  }

  /** Rule specs listed in `chain` that jump to `target`; undefined when `chain` does not exist. */
  async function listJumps(family: Family, chain: string, target: string): Promise<string[] | undefined> {
    const r = await list(family, chain);
    if (r.exitCode !== 0) {
      if (chainAbsent(r)) return undefined;
      throw new CommandError([family === 4 ? bin.iptables : bin.ip6tables, '-t', 'nat', '-S', chain], r.exitCode, r.stderr);
    }
    return rulesJumpingTo(
      parseListedRules(r.stdout).map((l) => l.spec),
      target,
    );
  }

  async function setupFamily(plan: IptablesFamilyPlan): Promise<void> {
    const first = await restore(plan.family, setupRestore(plan));
    if (first.exitCode === 0) return;
    // The repair reads the node-wide pieces and adds the missing ones: two ADDs doing that at
    // once (the first pods on a node) could both find one missing and both add it, so repairs
    // in one network namespace take turns. The common path above never waits for this.
    const last = await withNetnsMutex(`cni-ts/portmap/iptables${plan.family === 6 ? '6' : ''}/repair`, async () => {
      let out = first;
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const needsFilter = plan.nodeRules.some((r) => r.table === 'filter');
        const [nat, filter] = await Promise.all([
          save(plan.family, 'nat').then(parseSaveTable),
          needsFilter ? save(plan.family, 'filter').then(parseSaveTable) : undefined,
        ]);
        out = await restore(plan.family, repairRestore(plan, nat, filter));
        if (out.exitCode === 0) return undefined;
      }
      return out;
    });
    if (last !== undefined) fail(plan.family, last);
  }

  /**
   * DEL by owner: finds the entry rules by the chain they jump to, listing only the entry
   * chain. Where CNI-HOSTPORT-DNAT does not exist no portmap ADD (ours or Go's) ever ran, so
   * nothing is written: a DEL never creates an empty nat table (Go 1.1.1 did for ip6tables).
   */
  async function teardownByOwner(family: Family, network: string, containerId: string): Promise<void> {
    const chains = { dnatChain: portmapDnatChainName(network, containerId), legacySnatChain: portmapLegacySnatChainName(network, containerId) };
    let last: CommandOutput | undefined;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const entries = await listJumps(family, TOP_DNAT_CHAIN, chains.dnatChain);
      if (entries === undefined) return;
      // the old SNAT entry chain is only read once the cheap attempt has failed
      const legacy = attempt === 0 ? [] : ((await listJumps(family, LEGACY_TOP_SNAT_CHAIN, chains.legacySnatChain)) ?? []);
      last = await restore(family, ownerTeardownRestore(chains, entries, legacy));
      if (last.exitCode === 0) return;
    }
    if (last !== undefined) fail(family, last);
  }

  return {
    name: 'iptables',
    feature: 'portmap',

    async setup(spec: PortmapSpec): Promise<void> {
      const plans = familyViews(spec)
        .filter((v) => v.mappings.length > 0)
        .map((v) => iptablesFamilyPlan(spec, v));
      await eachFamily(plans, setupFamily);
    },

    async teardown(target: PortmapSpec | PortmapTeardownTarget): Promise<void> {
      const views = teardownViews(target);
      if (views === undefined) {
        await eachFamily([4, 6] as const, (f) => teardownByOwner(f, target.network, target.containerId));
        return;
      }
      await eachFamily(views, async (view) => {
        const plan = {
          dnatChain: portmapDnatChainName(target.network, target.containerId),
          legacySnatChain: portmapLegacySnatChainName(target.network, target.containerId),
          entryRules: entryRules(target, view),
        };
        const r = await restore(view.family, teardownRestore(plan));
        if (r.exitCode !== 0) await teardownByOwner(view.family, target.network, target.containerId);
      });
    },

    async check(spec: PortmapSpec): Promise<void> {
      const missing: string[] = [];
      const plans = familyViews(spec)
        .filter((v) => v.mappings.length > 0)
        .map((v) => iptablesFamilyPlan(spec, v));
      for (const plan of plans) {
        const { text, labels } = checkRestore(plan);
        const r = await restore(plan.family, text);
        if (r.exitCode === 0) continue;
        const line = /line:? (\d+)/.exec(r.stderr);
        const label = line ? labels.get(Number(line[1])) : undefined;
        // exit 1: rule or chain absent; exit 2: a jump target chain absent (iptables-nft)
        if ((r.exitCode !== 1 && r.exitCode !== 2) || label === undefined) fail(plan.family, r);
        // iptables-restore stops at the first missing rule: report that one
        missing.push(`${plan.family === 4 ? 'iptables' : 'ip6tables'} ${label}`);
      }
      if (missing.length > 0) throw new PortmapCheckError('iptables', missing);
    },

    async gc(network: string, valid: readonly Attachment[]): Promise<void> {
      validateOwner({ network, containerId: '-', ifname: '-' });
      const keep = new Set(valid.map((a) => portmapDnatChainName(network, a.containerId)));
      const prefix = dnatComment(network, '').slice(0, -1);
      await eachFamily([4, 6] as const, async (family) => {
        let last: CommandOutput | undefined;
        for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
          const r = await list(family, TOP_DNAT_CHAIN);
          if (r.exitCode !== 0) {
            if (chainAbsent(r)) return;
            throw new CommandError([family === 4 ? bin.iptables : bin.ip6tables, '-t', 'nat', '-S', TOP_DNAT_CHAIN], r.exitCode, r.stderr);
          }
          const stale = parseListedRules(r.stdout).filter(
            (l) => l.comment?.startsWith(prefix) === true && l.target?.startsWith('CNI-DN-') === true && !keep.has(l.target),
          );
          if (stale.length === 0) return;
          const chains = new Set<string>();
          for (const l of stale) {
            chains.add(l.target as string);
            const id = /^dnat name: ".*" id: "(.*)"$/.exec(l.comment ?? '')?.[1];
            if (id !== undefined && portmapDnatChainName(network, id) === l.target) chains.add(portmapLegacySnatChainName(network, id));
          }
          last = await restore(
            family,
            gcRestore(
              stale.map((l) => l.spec),
              [...chains],
            ),
          );
          if (last.exitCode === 0) return;
        }
        if (last !== undefined) fail(family, last);
      });
    },
  };
}
