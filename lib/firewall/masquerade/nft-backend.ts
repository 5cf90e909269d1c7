import { MasqueradeCheckError } from '../errors.ts';
import { normalAddresses } from './addresses.ts';
import { NFT_MASQ_CHAIN, NFT_MASQ_TABLE } from '../names.ts';
import type { CommandOutput, CommandRunner } from '../runner.ts';
import { CommandError } from '../runner.ts';
import type { Attachment } from '../../core/index.ts';
import type { MasqSpec, MasqueradeBackend } from './types.ts';
import { gcHandles, instanceHandles, nftDeleteScript, nftMissing, nftSetupScript } from './nft-plan.ts';
import type { NftListing } from '../nft-json.ts';
import { parseNftListing } from '../nft-json.ts';
import { type NftRuleDeletion, deleteListedRules } from '../nft-delete.ts';

/** Options for nftablesMasquerade. */
export interface NftablesMasqueradeOptions {
  /** @default 'nft' (looked up in PATH) */
  readonly nft?: string;
  /**
   * List the attachment's existing rules on ADD and replace them in the same transaction,
   * as Go does. Without it ADD is one exec, but a repeated ADD of the same attachment (with
   * no DEL between) leaves duplicate rules until its DEL, which removes them all.
   * @default true
   */
  readonly replaceStale?: boolean;
}

/** Exit status of a command that could not be started (not installed). */
const NOT_INSTALLED = 127;

/** The table or chain is not there, or the kernel has no nf_tables: nothing of ours exists. */
function absent(r: CommandOutput): boolean {
  return r.exitCode === NOT_INSTALLED || (r.exitCode !== 0 && /No such file or directory|Protocol not supported|Operation not supported/i.test(r.stderr));
}

/**
 * The masquerade rules in nftables, in the layout of Go's bridge and ptp (table
 * `inet cni_plugins_masquerade`), so either implementation can remove the other's rules.
 * ADD is one `nft -f -` transaction (plus one listing of masq_checks unless
 * `replaceStale: false`); DEL lists masq_checks once and deletes by handle.
 */
export function nftablesMasquerade(runner: CommandRunner, options: NftablesMasqueradeOptions = {}): MasqueradeBackend {
  const nft = options.nft ?? 'nft';
  const replaceStale = options.replaceStale ?? true;
  const listChainArgv = [nft, '-j', '-a', 'list', 'chain', 'inet', NFT_MASQ_TABLE, NFT_MASQ_CHAIN];

  /** The masq_checks rules, or undefined when the table or chain does not exist. */
  async function listChain(): Promise<NftListing | undefined> {
    const r = await runner.run(listChainArgv);
    if (r.exitCode === 0) return parseNftListing(r.stdout);
    if (absent(r)) return undefined;
    throw new CommandError(listChainArgv, r.exitCode, r.stderr);
  }

  async function apply(script: string): Promise<CommandOutput> {
    return runner.run([nft, '-f', '-'], { input: script });
  }

  const deletion: NftRuleDeletion = { runner, nft, listChain, deleteScript: nftDeleteScript };
  const deleteMatching = (pick: (l: NftListing) => number[]) => deleteListedRules(deletion, pick);

  return {
    name: 'nftables',
    feature: 'masquerade',

    async setup(spec: MasqSpec) {
      const addrs = normalAddresses(spec.ips);
      let last: CommandOutput | undefined;
      for (let round = 0; round < 2; round++) {
        const stale = replaceStale ? instanceHandles((await listChain()) ?? { chains: [], rules: [] }, spec.network, spec.ifname, spec.containerId) : [];
        last = await apply(nftSetupScript(spec, addrs, stale));
        if (last.exitCode === 0) return;
        if (stale.length === 0) break; // only a vanished stale handle is worth a second round
      }
      if (last) throw new CommandError([nft, '-f', '-'], last.exitCode, last.stderr);
    },

    async teardown(spec: MasqSpec) {
      await deleteMatching((l) => instanceHandles(l, spec.network, spec.ifname, spec.containerId));
    },

    async check(spec: MasqSpec) {
      const addrs = normalAddresses(spec.ips);
      if (addrs.length === 0) return;
      const argv = [nft, '-j', 'list', 'table', 'inet', NFT_MASQ_TABLE];
      const r = await runner.run(argv);
      if (r.exitCode !== 0 && !absent(r)) throw new CommandError(argv, r.exitCode, r.stderr);
      const missing =
        r.exitCode === 0 ? nftMissing(parseNftListing(r.stdout), spec, addrs) : [`table inet ${NFT_MASQ_TABLE}`];
      if (missing.length > 0) throw new MasqueradeCheckError('nftables', missing);
    },

    async gc(network: string, valid: readonly Attachment[]) {
      await deleteMatching((l) => gcHandles(l, network, valid));
    },
  };
}
