import type { Attachment } from '../../core/index.ts';
import { withNetnsMutex } from '../../sys/index.ts';
import { FirewallCheckError } from '../errors.ts';
import type { NftListing } from '../nft-json.ts';
import { parseNftListing } from '../nft-json.ts';
import { type NftRuleDeletion, deleteListedRules } from '../nft-delete.ts';
import type { CommandOutput, CommandRunner } from '../runner.ts';
import { CommandError } from '../runner.ts';
import { FORWARD_CHAIN, NFT_FIREWALL_TABLE } from './names.ts';
import { gcHandles, nftDeleteScript, nftMissing, nftSetupScript, ownerHandles } from './nft-plan.ts';
import type { ForwardBackend, ForwardSpec } from './types.ts';

/** Options for nftablesForward. */
export interface NftablesForwardOptions {
  /** @default 'nft' (looked up in PATH) */
  readonly nft?: string;
}

const NOT_INSTALLED = 127;
const EMPTY: NftListing = { chains: [], rules: [] };

/** The table or chain is not there, or the kernel has no nf_tables: nothing of ours exists. */
function absent(r: CommandOutput): boolean {
  return r.exitCode === NOT_INSTALLED || (r.exitCode !== 0 && /No such file or directory|Protocol not supported|Operation not supported/i.test(r.stderr));
}

/**
 * The firewall plugin's rules in nftables (table `inet cni_plugins_firewall`, see
 * nft-plan.ts). ADD lists the table and applies one `nft -f -` transaction; DEL and GC list
 * CNI-FORWARD and delete the owner's rules by handle in one transaction.
 */
export function nftablesForward(runner: CommandRunner, options: NftablesForwardOptions = {}): ForwardBackend {
  const nft = options.nft ?? 'nft';

  async function list(argv: string[]): Promise<NftListing | undefined> {
    const r = await runner.run(argv);
    if (r.exitCode === 0) return parseNftListing(r.stdout);
    if (absent(r)) return undefined;
    throw new CommandError(argv, r.exitCode, r.stderr);
  }
  const listTable = () => list([nft, '-j', '-a', 'list', 'table', 'inet', NFT_FIREWALL_TABLE]);
  const listChain = () => list([nft, '-j', '-a', 'list', 'chain', 'inet', NFT_FIREWALL_TABLE, FORWARD_CHAIN]);

  const apply = (script: string): Promise<CommandOutput> => runner.run([nft, '-f', '-'], { input: script });

  const deletion: NftRuleDeletion = { runner, nft, listChain, deleteScript: nftDeleteScript };
  const deleteMatching = (pick: (l: NftListing) => number[]) => deleteListedRules(deletion, pick);

  return {
    name: 'nftables',
    feature: 'firewall',

    async setup(spec: ForwardSpec) {
      // list-then-add of the shared rules: our ADDs of one node take turns, or two would both
      // add the admin jump and a bridge's isolation rules
      await withNetnsMutex('cni-ts/firewall/nftables', async () => {
        let last: CommandOutput | undefined;
        // a second round when a handle listed vanished (a concurrent DEL of the same owner)
        for (let round = 0; round < 2; round++) {
          last = await apply(nftSetupScript(spec, (await listTable()) ?? EMPTY));
          if (last.exitCode === 0) return;
        }
        if (last) throw new CommandError([nft, '-f', '-'], last.exitCode, last.stderr);
      });
    },

    async teardown(spec: ForwardSpec) {
      await deleteMatching((l) => ownerHandles(l, spec));
    },

    async check(spec: ForwardSpec) {
      const listing = await listTable();
      const missing = listing ? nftMissing(spec, listing) : [`table inet ${NFT_FIREWALL_TABLE}`];
      if (missing.length > 0) throw new FirewallCheckError('nftables', 'firewall rules', missing);
    },

    async gc(network: string, valid: readonly Attachment[]) {
      await deleteMatching((l) => gcHandles(l, network, valid));
    },
  };
}
