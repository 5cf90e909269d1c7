import { parseListedRules, tokenizeSaveLine } from '../../firewall/iptables-save.ts';
import { parseNftListing } from '../../firewall/nft-json.ts';
import type { FirewallFacts, IptablesChainFact, IptablesRuleFact } from './node-facts.ts';

// Firewall listings as facts, parsed with lib/firewall's own readers of iptables-save and
// `nft -j` output. Only what CNI plugins (ours or Go's) make is kept: tables named cni* in nft;
// in iptables every chain and rule, since CNI's chains hang off the built-in ones.

/** The chains and rules of one `iptables-save -t TABLE` listing. */
export function parseIptablesSave(text: string, family: 4 | 6, table: string): { chains: IptablesChainFact[]; rules: IptablesRuleFact[] } {
  const chains: IptablesChainFact[] = [];
  for (const line of text.split('\n')) {
    const m = /^:(\S+) /.exec(line);
    if (m) chains.push({ family, table, name: m[1] as string });
  }
  const rules = parseListedRules(text).map((r) => {
    const tokens = tokenizeSaveLine(r.spec);
    const d = tokens.indexOf('-d');
    return { family, table, chain: r.chain, spec: r.spec, target: r.target, comment: r.comment, source: r.source, destination: d >= 0 ? tokens[d + 1] : undefined };
  });
  return { chains, rules };
}

/** The CNI tables' chains and rules of `nft -j list ruleset`. @throws SyntaxError when it is not JSON */
export function parseNftRuleset(text: string): NonNullable<FirewallFacts['nft']> {
  const listing = parseNftListing(text);
  const cni = (t: string): boolean => t.startsWith('cni');
  return {
    chains: listing.chains.filter((c) => cni(c.table)).map((c) => ({ family: c.family, table: c.table, name: c.name })),
    rules: listing.rules.filter((r) => cni(r.table)).map((r) => ({ family: r.family, table: r.table, chain: r.chain, handle: r.handle, comment: r.comment })),
  };
}
