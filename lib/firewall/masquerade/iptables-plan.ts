import type { Family } from '../../addr/index.ts';
import type { NormalAddress } from './addresses.ts';
import { unique } from './addresses.ts';
import { masqChainName, masqComment } from '../names.ts';
import { parseListedRules, saveString } from '../iptables-save.ts';

// Pure plans for the bridge masquerade rules in table nat, in the exact shapes the Go
// plugins write (reference-benchmarks.md 3.1), as iptables-restore text. The apply side
// (iptables-backend.ts) only runs these and lists chains.

const MULTICAST: Record<Family, string> = { 4: '224.0.0.0/4', 6: 'ff00::/8' };

/** The chain and the rules of one attachment in one address family. */
export interface IptablesMasqRules {
  readonly family: Family;
  readonly chain: string;
  /** Rule specs (everything after `-A <chain> `) of the per-container chain, in order. */
  readonly chainRules: readonly string[];
  /** POSTROUTING jump specs, one per address. */
  readonly jumps: readonly string[];
}

/** The rule specs Go's SetupIPMasq produces for these addresses (all of one family). */
export function iptablesMasqRules(network: string, containerId: string, family: Family, addrs: readonly NormalAddress[]): IptablesMasqRules {
  const chain = masqChainName(network, containerId);
  const comment = `-m comment --comment ${saveString(masqComment(network, containerId))}`;
  const accepts = unique(addrs.map((a) => a.subnet)).map((subnet) => `-d ${subnet} ${comment} -j ACCEPT`);
  return {
    family,
    chain,
    chainRules: [...accepts, `! -d ${MULTICAST[family]} ${comment} -j MASQUERADE`],
    jumps: unique(addrs.map((a) => a.host)).map((host) => `-s ${host} ${comment} -j ${chain}`),
  };
}

function restore(lines: readonly string[]): string {
  return ['*nat', ...lines, 'COMMIT', ''].join('\n');
}

/**
 * The one transaction for a first ADD: `-N` fails (and aborts the whole transaction) when
 * the chain exists, which is how a repeated ADD is detected without listing anything.
 */
export function freshSetupRestore(r: IptablesMasqRules): string {
  return restore([`-N ${r.chain}`, ...r.chainRules.map((s) => `-A ${r.chain} ${s}`), ...r.jumps.map((s) => `-A POSTROUTING ${s}`)]);
}

/**
 * The repair transaction when the chain already exists: adds only what the listings lack
 * (ACCEPTs go first so they precede MASQUERADE); undefined when nothing is missing.
 */
export function repairSetupRestore(r: IptablesMasqRules, postrouting: string, chainListing: string): string | undefined {
  const inChain = new Set(parseListedRules(chainListing).filter((x) => x.chain === r.chain).map((x) => x.spec));
  const inPost = new Set(parseListedRules(postrouting).filter((x) => x.chain === 'POSTROUTING').map((x) => x.spec));
  const lines: string[] = [];
  const [masq] = r.chainRules.slice(-1);
  for (const s of r.chainRules.slice(0, -1)) if (!inChain.has(s)) lines.push(`-I ${r.chain} 1 ${s}`);
  if (masq !== undefined && !inChain.has(masq)) lines.push(`-A ${r.chain} ${masq}`);
  for (const s of r.jumps) if (!inPost.has(s)) lines.push(`-A POSTROUTING ${s}`);
  return lines.length === 0 ? undefined : restore(lines);
}

/**
 * The one transaction for a DEL whose addresses are known: declaring the chain flushes it,
 * then the jumps go and the chain is deleted. It fails as a whole when anything is already
 * gone or another jump still uses the chain; the caller then plans from a listing.
 */
export function fastTeardownRestore(r: IptablesMasqRules): string {
  return restore([`:${r.chain} - [0:0]`, ...r.jumps.map((s) => `-D POSTROUTING ${s}`), `-X ${r.chain}`]);
}

/** What a DEL must remove, decided from a `-S POSTROUTING` listing. */
export interface ListedTeardown {
  /** POSTROUTING rule specs to delete. */
  readonly deletes: readonly string[];
  /** Jumps to the chain stay (another interface's addresses): keep the chain. */
  readonly keepChain: boolean;
}

/**
 * Picks the POSTROUTING jumps to `chain` that a DEL removes: those whose source is one of
 * `sources` (both `-s ip/32` and Go's older `-s ip/prefix` forms), or all of them when the
 * addresses are unknown.
 */
export function listedTeardown(chain: string, postrouting: string, sources: readonly string[] | undefined): ListedTeardown {
  const jumps = parseListedRules(postrouting).filter((x) => x.chain === 'POSTROUTING' && x.target === chain);
  const mine = sources === undefined ? jumps : jumps.filter((x) => x.source !== undefined && sources.includes(x.source));
  return { deletes: mine.map((x) => x.spec), keepChain: mine.length < jumps.length };
}

/** The restore text deleting `deletes` and, unless kept, flushing and deleting the chain. */
export function teardownRestore(chain: string, plan: ListedTeardown): string {
  const lines = plan.deletes.map((s) => `-D POSTROUTING ${s}`);
  if (!plan.keepChain) lines.push(`-F ${chain}`, `-X ${chain}`);
  return restore(lines);
}

/** The listing lines `check` expects, each with what to call it when it is missing. */
export function missingRules(r: IptablesMasqRules, postrouting: string, chainListing: string): string[] {
  const inChain = new Set(parseListedRules(chainListing).filter((x) => x.chain === r.chain).map((x) => x.spec));
  const inPost = new Set(parseListedRules(postrouting).filter((x) => x.chain === 'POSTROUTING').map((x) => x.spec));
  return [
    ...r.chainRules.filter((s) => !inChain.has(s)).map((s) => `-A ${r.chain} ${s}`),
    ...r.jumps.filter((s) => !inPost.has(s)).map((s) => `-A POSTROUTING ${s}`),
  ];
}

const OWNER = /^name: "(.*)" id: "(.*)"$/;

/**
 * A GC transaction from a whole `-t nat -S` listing: chains of `network` (recognised by the
 * Go comment on their rules AND a name equal to the hash of network + container ID) whose
 * container is not in `validIds` are removed with every POSTROUTING jump to them.
 * Undefined when nothing is stale. Other networks' and foreign chains are never touched.
 */
export function gcRestore(listing: string, network: string, validIds: ReadonlySet<string>): string | undefined {
  const rules = parseListedRules(listing);
  const stale = new Set<string>();
  for (const x of rules) {
    const owner = x.comment === undefined ? null : OWNER.exec(x.comment);
    if (!owner || owner[1] !== network || validIds.has(owner[2] as string)) continue;
    const chain = masqChainName(network, owner[2] as string);
    if (x.chain === chain || (x.chain === 'POSTROUTING' && x.target === chain)) stale.add(chain);
  }
  if (stale.size === 0) return undefined;
  const lines: string[] = [];
  for (const x of rules) if (x.chain === 'POSTROUTING' && x.target !== undefined && stale.has(x.target)) lines.push(`-D POSTROUTING ${x.spec}`);
  // every stale chain exists: it either holds a rule or is the target of a jump
  for (const chain of stale) lines.push(`-F ${chain}`, `-X ${chain}`);
  return restore(lines);
}
