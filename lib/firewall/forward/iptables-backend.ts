import type { Family } from '../../addr/index.ts';
import { withNetnsMutex } from '../../sys/index.ts';
import { FirewallCheckError } from '../errors.ts';
import { type IptablesBinaries, iptablesBinaries } from '../iptables-binaries.ts';
import { NOT_INSTALLED, chainAbsent, eachFamily } from '../iptables-output.ts';
import type { CommandOutput, CommandRunner } from '../runner.ts';
import { CommandError } from '../runner.ts';
import { FORWARD_CHAIN } from './names.ts';
import { addressesOf, familiesOf, fastTeardownRestore, listedTeardownRestore, missingRules, readFilterTable, setupRestore } from './iptables-plan.ts';
import type { ForwardBackend, ForwardSpec } from './types.ts';

/** Options for iptablesForward. */
export interface IptablesForwardOptions {
  /** @default bare names, looked up in PATH when they run */
  readonly binaries?: Partial<IptablesBinaries>;
}

/** Rounds of list-and-restore an ADD tries when another ADD changes the table in between. */
const SETUP_ROUNDS = 3;

/**
 * The firewall plugin's rules in iptables table filter, in Go's layout (CNI-FORWARD,
 * the admin chain, CNI-ISOLATION-STAGE-1/2). ADD lists the table once and applies what is
 * missing in ONE iptables-restore per family; DEL is one restore deleting the address rules
 * (a listing first only when some are already gone). The rules carry no owner (Go's don't),
 * so teardown needs the addresses and GC cannot tell one network's rules from another's.
 */
export function iptablesForward(runner: CommandRunner, options: IptablesForwardOptions = {}): ForwardBackend {
  const bin = iptablesBinaries(options.binaries);
  const tool = (f: Family): string => (f === 4 ? bin.iptables : bin.ip6tables);
  const restoreArgv = (f: Family): string[] => [f === 4 ? bin.iptablesRestore : bin.ip6tablesRestore, '--noflush', '--wait'];
  const listArgv = (f: Family, chain?: string): string[] => [tool(f), '--wait', '-t', 'filter', '-S', ...(chain === undefined ? [] : [chain])];

  const restore = (f: Family, text: string): Promise<CommandOutput> => runner.run(restoreArgv(f), { input: text });

  async function mustList(f: Family): Promise<string> {
    const r = await runner.run(listArgv(f));
    if (r.exitCode !== 0) throw new CommandError(listArgv(f), r.exitCode, r.stderr);
    return r.stdout;
  }

  /**
   * Listing and restore are two steps: two ADDs between them would both add a shared rule
   * (Go's check-then-insert has the same race). Our ADDs of one node take turns per family;
   * a chain made meanwhile by Go's ADD still fails our `-N`, and the next round re-plans.
   */
  function setupFamily(spec: ForwardSpec, f: Family): Promise<void> {
    return withNetnsMutex(`cni-ts/firewall/iptables${f}`, () => setupFamilyLocked(spec, f));
  }

  async function setupFamilyLocked(spec: ForwardSpec, f: Family): Promise<void> {
    let last: CommandOutput | undefined;
    for (let round = 0; round < SETUP_ROUNDS; round++) {
      const text = setupRestore(spec, f, readFilterTable(await mustList(f)));
      if (text === undefined) return;
      last = await restore(f, text);
      if (last.exitCode === 0) return;
    }
    if (last) throw new CommandError(restoreArgv(f), last.exitCode, last.stderr);
  }

  async function teardownFamily(spec: ForwardSpec, f: Family): Promise<void> {
    const addrs = addressesOf(spec, f);
    const fast = fastTeardownRestore(addrs);
    if (fast === undefined) return;
    if ((await restore(f, fast)).exitCode === 0) return;
    // something is already gone (or never was): delete what the chain still holds
    const r = await runner.run(listArgv(f, FORWARD_CHAIN));
    if (r.exitCode === NOT_INSTALLED || chainAbsent(r)) return;
    if (r.exitCode !== 0) throw new CommandError(listArgv(f, FORWARD_CHAIN), r.exitCode, r.stderr);
    const text = listedTeardownRestore(addrs, r.stdout);
    if (text === undefined) return;
    const done = await restore(f, text);
    if (done.exitCode !== 0) throw new CommandError(restoreArgv(f), done.exitCode, done.stderr);
  }

  return {
    name: 'iptables',
    feature: 'firewall',

    async setup(spec) {
      await eachFamily(familiesOf(spec), (f) => setupFamily(spec, f));
    },

    async teardown(spec) {
      await eachFamily(familiesOf(spec), (f) => teardownFamily(spec, f));
    },

    async check(spec) {
      const missing: string[] = [];
      for (const f of familiesOf(spec)) {
        missing.push(...missingRules(spec, f, readFilterTable(await mustList(f))).map((l) => `${tool(f)} ${l}`));
      }
      if (missing.length > 0) throw new FirewallCheckError('iptables', 'firewall rules', missing);
    },

    async gc() {
      // Go's rules name only an address, never a network or container: nothing can be
      // attributed to a stale attachment without risking a live pod's rules.
    },
  };
}
