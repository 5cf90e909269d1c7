import type { NftListing } from './nft-json.ts';
import { type CommandOutput, CommandError, type CommandRunner } from './runner.ts';

/** How a feature's nftables backend deletes some rules of its chain. */
export interface NftRuleDeletion {
  readonly runner: CommandRunner;
  readonly nft: string;
  /** The chain's listing, or undefined when the table or chain is absent. */
  readonly listChain: () => Promise<NftListing | undefined>;
  /** The `nft -f -` script deleting these handles of the chain. */
  readonly deleteScript: (handles: readonly number[]) => string;
}

/**
 * Lists the chain, picks the handles to delete, deletes them in one transaction; a second
 * round absorbs a rule that another process deleted in between (the transaction then fails).
 * @throws CommandError when the second round fails too.
 */
export async function deleteListedRules(d: NftRuleDeletion, pick: (l: NftListing) => number[]): Promise<void> {
  let last: CommandOutput | undefined;
  for (let round = 0; round < 2; round++) {
    const listing = await d.listChain();
    const handles = listing ? pick(listing) : [];
    if (handles.length === 0) return;
    last = await d.runner.run([d.nft, '-f', '-'], { input: d.deleteScript(handles) });
    if (last.exitCode === 0) return;
  }
  if (last) throw new CommandError([d.nft, '-f', '-'], last.exitCode, last.stderr);
}
