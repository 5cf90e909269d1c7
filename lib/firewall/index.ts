export type { Attachment, BackendName, MasqAddress, MasqSpec, MasqueradeBackend } from './types.ts';
export { MasqueradeCheckError, NoFirewallBackendError } from './errors.ts';
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
export { findExecutable, selectBackend, usableBackends } from './select.ts';
export type { MasqGcRequest } from './every-backend.ts';
export { gcEveryBackend, teardownEveryBackend } from './every-backend.ts';
export type { IptablesBinaries, IptablesMasqueradeOptions } from './iptables/masq-backend.ts';
export { iptablesMasquerade } from './iptables/masq-backend.ts';
export type { NftablesMasqueradeOptions } from './nftables/masq-backend.ts';
export { nftablesMasquerade } from './nftables/masq-backend.ts';
export type { ListedRule } from './iptables/save-line.ts';
export { parseListedRules, saveString, tokenizeSaveLine } from './iptables/save-line.ts';
export type { NftListedChain, NftListedRule, NftListing } from './nftables/nft-json.ts';
export { parseNftListing } from './nftables/nft-json.ts';
