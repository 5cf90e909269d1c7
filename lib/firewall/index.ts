// The firewall model: features (masquerade/, portmap/, macspoofchk/) of one backend shape,
// chosen by one selector; the tool plumbing they share sits here at the top.
export type { BackendName, BackendRecipe, FirewallBackend, FirewallFeature, GcScope, NftRulesRef, NftTableRef, ToolLookup } from './backend.ts';
export { FirewallCheckError, MasqueradeCheckError, NoFirewallBackendError } from './errors.ts';
export type { CommandOutput, CommandRunner, RunOptions } from './runner.ts';
export { CommandError, systemRunner } from './runner.ts';
export {
  masqChainName,
  masqComment,
  nftMasqComment,
  nftMasqInstanceHash,
  nftMasqNetworkHash,
  portmapDnatChainName,
  portmapLegacySnatChainName,
  sha512Hex,
} from './names.ts';
export type { BackendLookupOptions } from './select.ts';
export { backendStatus, backendsInUse, findExecutable, selectBackend } from './select.ts';
export { nftTableMayExist } from './nft-table-probe.ts';
export type { GcRequest } from './every-backend.ts';
export { gcEveryBackend, teardownEveryBackend } from './every-backend.ts';
export type { MasqAddress, MasqSpec, MasqueradeBackend } from './masquerade/types.ts';
export { masquerade } from './masquerade/feature.ts';
export type { IptablesMasqueradeOptions } from './masquerade/iptables-backend.ts';
export type { IptablesBinaries } from './iptables-binaries.ts';
export { iptablesMasquerade } from './masquerade/iptables-backend.ts';
export type { NftablesMasqueradeOptions } from './masquerade/nft-backend.ts';
export { nftablesMasquerade } from './masquerade/nft-backend.ts';
export type { MacSpoofCheckSpec, MacSpoofCheckTarget } from './macspoofchk/types.ts';
export { macSpoofCheck } from './macspoofchk/feature.ts';
export type { ListedRule } from './iptables-save.ts';
export { parseListedRules, saveString, tokenizeSaveLine } from './iptables-save.ts';
export type { NftListedChain, NftListedRule, NftListing } from './nft-json.ts';
export { parseNftListing } from './nft-json.ts';
