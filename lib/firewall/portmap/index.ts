export type {
  ContainerAddress,
  PortMapping,
  PortmapBackend,
  PortmapSpec,
  PortmapTeardownTarget,
  PortProtocol,
} from './types.ts';
export { DEFAULT_MARK_MASQ_BIT } from './types.ts';
export { PortmapCheckError, PortmapInputError } from './errors.ts';
export { portmap } from './feature.ts';
export { onlyLocalnetGuardMissing } from './localnet-guard.ts';
export type { IptablesPortmapOptions } from './iptables-backend.ts';
export { iptablesPortmap } from './iptables-backend.ts';
export type { NftablesPortmapOptions } from './nft-backend.ts';
export { nftablesPortmap } from './nft-backend.ts';
export type { FamilyMapping, FamilyView } from './spec.ts';
export { familyViews, mappingsForFamily, teardownViews, validateMappings, validateOwner } from './spec.ts';
export type {
  IptablesFamilyPlan,
  IptablesRule,
  SetMarkTarget,
} from './iptables-rules.ts';
export type {
  CheckRestore,
  IptablesTableState,
} from './iptables-restore.ts';
export {
  dnatChainRules as iptablesPortmapChainRules,
  dnatComment as iptablesPortmapDnatComment,
  entryRules as iptablesPortmapEntryRules,
  iptablesFamilyPlan as iptablesPortmapPlan,
  LOCALNET_CHAIN as IPTABLES_LOCALNET_CHAIN,
  LOCALNET_GUARD_RULE as IPTABLES_LOCALNET_GUARD_RULE,
  saveLines as iptablesPortmapSaveLines,
} from './iptables-rules.ts';
export {
  checkRestore as iptablesPortmapCheckRestore,
  gcRestore as iptablesPortmapGcRestore,
  ownerTeardownRestore as iptablesPortmapOwnerTeardownRestore,
  repairRestore as iptablesPortmapRepairRestore,
  setupRestore as iptablesPortmapSetupRestore,
  teardownRestore as iptablesPortmapTeardownRestore,
} from './iptables-restore.ts';
export type { NftBaseOptions, NftRule } from './nft-plan.ts';
export {
  LOCALNET_GUARD_COMMENT as NFT_LOCALNET_GUARD_COMMENT,
  NFT_TABLE as NFT_PORTMAP_TABLE,
  nftBaseCommands as nftPortmapBaseCommands,
  nftContainerRules as nftPortmapContainerRules,
  nftDeleteRules as nftPortmapDeleteRules,
  nftMissing as nftPortmapMissing,
  nftOwnerComment as nftPortmapOwnerComment,
  nftOwnerKey as nftPortmapOwnerKey,
  legacyNftOwnerComment as nftPortmapLegacyOwnerComment,
  nftSetupFast as nftPortmapSetupFast,
  nftSetupWithBase as nftPortmapSetupWithBase,
  ownedRules as nftPortmapOwnedRules,
  staleRules as nftPortmapStaleRules,
  validateNftConditions,
} from './nft-plan.ts';
