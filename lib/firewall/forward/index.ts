// The firewall plugin's rules (CNI-FORWARD, the admin chain, bridge isolation): one feature
// of the firewall model, with an iptables backend in Go's layout and an nftables one of ours.
export type { BridgeIsolation, ForwardBackend, ForwardSpec, IngressPolicy } from './types.ts';
export { forwardRules } from './feature.ts';
export { DEFAULT_ADMIN_CHAIN, FORWARD_CHAIN, ISOLATION_STAGE_1, ISOLATION_STAGE_2, NFT_FIREWALL_TABLE, RESERVED_CHAINS } from './names.ts';
export type { IptablesForwardOptions } from './iptables-backend.ts';
export { iptablesForward } from './iptables-backend.ts';
export type { NftablesForwardOptions } from './nft-backend.ts';
export { nftablesForward } from './nft-backend.ts';
