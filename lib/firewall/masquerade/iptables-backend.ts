import type { Family } from '../../addr/index.ts';
import { MasqueradeCheckError } from '../errors.ts';
import type { NormalAddress } from './addresses.ts';
import { normalAddresses } from './addresses.ts';
import { masqChainName } from '../names.ts';
import type { CommandOutput, CommandRunner } from '../runner.ts';
import { CommandError } from '../runner.ts';
import { chainAbsent, eachFamily, NOT_INSTALLED } from '../iptables-output.ts';
import type { Attachment } from '../../core/index.ts';
import { type IptablesBinaries, iptablesBinaries } from '../iptables-binaries.ts';
import type { MasqSpec, MasqueradeBackend } from './types.ts';
import {
  fastTeardownRestore,
  freshSetupRestore,
  gcRestore,
  iptablesMasqRules,
  listedTeardown,
  missingRules,
  repairSetupRestore,
  teardownRestore,
} from './iptables-plan.ts';

/** Options for iptablesMasquerade. */
export interface IptablesMasqueradeOptions {
  /** @default bare names (iptables, iptables-restore and the ip6 ones) */
  readonly binaries?: Partial<IptablesBinaries>;
}

function byFamily(addrs: readonly NormalAddress[]): Map<Family, NormalAddress[]> {
  const m = new Map<Family, NormalAddress[]>();
  for (const a of addrs) m.set(a.family, [...(m.get(a.family) ?? []), a]);
  return m;
}

/**
 * The masquerade rules in iptables table nat, interoperable with the Go bridge and ptp plugins
 * (same chain names, comments and rule shapes). Each ADD and DEL is normally ONE
 * `iptables-restore --noflush` transaction per address family; listings are read only on
 * the rare repair paths, so the cost does not grow with the number of pods on the node.
 */
export function iptablesMasquerade(runner: CommandRunner, options: IptablesMasqueradeOptions = {}): MasqueradeBackend {
  const bin = iptablesBinaries(options.binaries);
  const tool = (family: Family): string => (family === 4 ? bin.iptables : bin.ip6tables);

  function restoreArgv(family: Family): string[] {
    return [family === 4 ? bin.iptablesRestore : bin.ip6tablesRestore, '--noflush', '--wait'];
  }

  async function restore(family: Family, text: string): Promise<CommandOutput> {
    return runner.run(restoreArgv(family), { input: text });
  }

  async function list(family: Family, chain?: string): Promise<CommandOutput> {
    return runner.run([tool(family), '--wait', '-t', 'nat', '-S', ...(chain === undefined ? [] : [chain])]);
  }

  function fail(argv: readonly string[], r: CommandOutput): never {
    throw new CommandError(argv, r.exitCode, r.stderr);
  }

  async function mustRestore(family: Family, text: string): Promise<void> {
    const r = await restore(family, text);
    if (r.exitCode !== 0) fail(restoreArgv(family), r);
  }

  async function mustList(family: Family, chain?: string): Promise<string> {
    const r = await list(family, chain);
    if (r.exitCode !== 0) fail([tool(family), '-t', 'nat', '-S', ...(chain === undefined ? [] : [chain])], r);
    return r.stdout;
  }

  async function setupFamily(spec: MasqSpec, family: Family, addrs: readonly NormalAddress[]): Promise<void> {
    const rules = iptablesMasqRules(spec.network, spec.containerId, family, addrs);
    const fresh = await restore(family, freshSetupRestore(rules));
    if (fresh.exitCode === 0) return;
    // The chain exists (a repeated ADD, or a second interface of the same container): add
    // only what the two listings lack. If it does not, the fresh transaction failed for
    // another reason, and that is the error to report.
    const [post, chain] = await Promise.all([list(family, 'POSTROUTING'), list(family, rules.chain)]);
    if (post.exitCode !== 0) fail([tool(family), '-t', 'nat', '-S', 'POSTROUTING'], post);
    if (chain.exitCode !== 0) {
      if (chainAbsent(chain)) fail(restoreArgv(family), fresh);
      fail([tool(family), '-t', 'nat', '-S', rules.chain], chain);
    }
    const text = repairSetupRestore(rules, post.stdout, chain.stdout);
    if (text !== undefined) await mustRestore(family, text);
  }

  async function teardownFamily(spec: MasqSpec, family: Family, addrs: readonly NormalAddress[] | undefined): Promise<void> {
    const chain = masqChainName(spec.network, spec.containerId);
    if (addrs !== undefined) {
      const r = await restore(family, fastTeardownRestore(iptablesMasqRules(spec.network, spec.containerId, family, addrs)));
      if (r.exitCode === 0) return;
    }
    // Something is already gone, another jump still uses the chain, or the addresses are
    // unknown: plan from the POSTROUTING listing (never the whole table).
    const post = await list(family, 'POSTROUTING');
    if (post.exitCode === NOT_INSTALLED) return; // e.g. no ip6tables: nothing of ours can be there
    if (post.exitCode !== 0) fail([tool(family), '-t', 'nat', '-S', 'POSTROUTING'], post);
    const plan = listedTeardown(chain, post.stdout, addrs?.flatMap((a) => [a.host, a.legacySource]));
    if (plan.deletes.length === 0) {
      if (plan.keepChain) return;
      // no jump left: the chain may still exist (a Go ADD that failed half-way)
      const probe = await list(family, chain);
      if (probe.exitCode !== 0) {
        if (chainAbsent(probe)) return;
        fail([tool(family), '-t', 'nat', '-S', chain], probe);
      }
    }
    await mustRestore(family, teardownRestore(chain, plan));
  }

  return {
    name: 'iptables',
    feature: 'masquerade',

    async setup(spec) {
      const families = byFamily(normalAddresses(spec.ips));
      await eachFamily([...families], ([family, addrs]) => setupFamily(spec, family, addrs));
    },

    async teardown(spec) {
      // without addresses (DEL without netns or prevResult) the jumps are found by owner
      const families = byFamily(normalAddresses(spec.ips));
      if (families.size === 0) {
        await eachFamily([4, 6] as const, (family) => teardownFamily(spec, family, undefined));
      } else {
        await eachFamily([...families], ([family, addrs]) => teardownFamily(spec, family, addrs));
      }
    },

    async check(spec) {
      const families = byFamily(normalAddresses(spec.ips));
      const missing: string[] = [];
      for (const [family, addrs] of families) {
        const rules = iptablesMasqRules(spec.network, spec.containerId, family, addrs);
        const [post, chain] = await Promise.all([mustList(family, 'POSTROUTING'), list(family, rules.chain)]);
        if (chain.exitCode !== 0 && !chainAbsent(chain)) fail([tool(family), '-t', 'nat', '-S', rules.chain], chain);
        if (chain.exitCode !== 0) missing.push(`${tool(family)} chain ${rules.chain} in table nat`);
        missing.push(...missingRules(rules, post, chain.exitCode === 0 ? chain.stdout : '').map((l) => `${tool(family)} rule ${l}`));
      }
      if (missing.length > 0) throw new MasqueradeCheckError('iptables', missing);
    },

    async gc(network: string, valid: readonly Attachment[]) {
      const validIds = new Set(valid.map((a) => a.containerId));
      await eachFamily([4, 6] as const, async (family) => {
        const r = await list(family);
        if (r.exitCode === NOT_INSTALLED) return;
        if (r.exitCode !== 0) fail([tool(family), '-t', 'nat', '-S'], r);
        const text = gcRestore(r.stdout, network, validIds);
        if (text !== undefined) await mustRestore(family, text);
      });
    },
  };
}
