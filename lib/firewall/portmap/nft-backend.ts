import type { NftListedRule, NftListing } from '../nft-json.ts';
import { parseNftListing } from '../nft-json.ts';
import type { CommandOutput, CommandRunner } from '../runner.ts';
import { CommandError } from '../runner.ts';
import { PortmapCheckError } from './errors.ts';
import { NFT_TABLE, nftDeleteRules, nftMissing, nftSetupFast, nftSetupWithBase, ownedRules, staleRules, validateNftConditions } from './nft-plan.ts';
import type { Family } from '../../addr/index.ts';
import { familyViews, teardownViews, validateOwner } from './spec.ts';
import type { PortmapBackend, PortmapSpec, PortmapTeardownTarget } from './types.ts';
import type { Attachment } from '../../core/index.ts';

/** Options for nftablesPortmap. */
export interface NftablesPortmapOptions {
  /** @default 'nft' (looked up in PATH) */
  readonly nft?: string;
}

/** How many times teardown and GC re-list after a handle vanished under a concurrent DEL. */
const ATTEMPTS = 3;

/**
 * Host port mappings in nftables tables `ip cni_hostport` / `ip6 cni_hostport`, the Go
 * plugin's layout. ADD is one `nft -f -` transaction (the table's shared part is written
 * only when that fails, e.g. on the first ADD); DEL lists only our own table per family,
 * never the ruleset, and deletes by handle in one transaction.
 */
export function nftablesPortmap(runner: CommandRunner, options: NftablesPortmapOptions = {}): PortmapBackend {
  const nft = options.nft ?? 'nft';

  async function apply(text: string): Promise<CommandOutput> {
    return runner.run([nft, '-f', '-'], { input: text });
  }

  function fail(r: CommandOutput, argv: readonly string[] = [nft, '-f', '-']): never {
    throw new CommandError(argv, r.exitCode, r.stderr);
  }

  /** The family's table, or undefined when it does not exist. */
  async function list(family: Family): Promise<NftListing | undefined> {
    const argv = [nft, '-j', '-a', 'list', 'table', family === 4 ? 'ip' : 'ip6', NFT_TABLE];
    const r = await runner.run(argv);
    if (r.exitCode === 0) return parseNftListing(r.stdout);
    if (/No such file or directory/.test(r.stderr)) return undefined;
    return fail(r, argv);
  }

  /** Lists, picks rules, deletes them by handle; re-lists when a concurrent DEL won a race. */
  async function deleteListed(families: readonly Family[], pick: (l: NftListing) => NftListedRule[]): Promise<void> {
    let last: CommandOutput | undefined;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const listings = await Promise.all(families.map(list));
      const rules = listings.flatMap((l) => (l === undefined ? [] : pick(l)));
      if (rules.length === 0) return;
      last = await apply(nftDeleteRules(rules));
      if (last.exitCode === 0) return;
    }
    if (last !== undefined) fail(last);
  }

  return {
    name: 'nftables',
    feature: 'portmap',

    async setup(spec: PortmapSpec): Promise<void> {
      const views = familyViews(spec).filter((v) => v.mappings.length > 0);
      validateNftConditions(views);
      if (views.length === 0) return;
      const fast = await apply(nftSetupFast(spec, views));
      if (fast.exitCode === 0) return;
      const slow = await apply(nftSetupWithBase(spec, views));
      if (slow.exitCode !== 0) fail(slow);
    },

    async teardown(target: PortmapSpec | PortmapTeardownTarget): Promise<void> {
      const views = teardownViews(target);
      const families: Family[] = views === undefined ? [4, 6] : views.map((v) => v.family);
      const addresses = views?.map((v) => v.ip);
      await deleteListed(families, (l) => ownedRules(l, target, addresses));
    },

    async check(spec: PortmapSpec): Promise<void> {
      const missing: string[] = [];
      for (const view of familyViews(spec).filter((v) => v.mappings.length > 0)) {
        const listing = await list(view.family);
        if (listing === undefined) missing.push(`table ${view.family === 4 ? 'ip' : 'ip6'} ${NFT_TABLE}`);
        else missing.push(...nftMissing(spec, view, listing));
      }
      if (missing.length > 0) throw new PortmapCheckError('nftables', missing);
    },

    async gc(network: string, valid: readonly Attachment[]): Promise<void> {
      validateOwner({ network, containerId: '-', ifname: '-' });
      await deleteListed([4, 6], (l) => staleRules(l, network, valid));
    },
  };
}
