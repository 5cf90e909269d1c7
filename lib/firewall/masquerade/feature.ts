import type { FirewallFeature } from '../backend.ts';
import { foundIptablesBinaries } from '../iptables-binaries.ts';
import { NFT_MASQ_CHAIN, NFT_MASQ_TABLE } from '../names.ts';
import { iptablesMasquerade } from './iptables-backend.ts';
import { nftablesMasquerade } from './nft-backend.ts';
import type { MasqSpec } from './types.ts';

/** Masquerade of a container's addresses (the bridge's `ipMasq`; Go's bridge and ptp share these rules). */
export const masquerade: FirewallFeature<MasqSpec> = {
  name: 'masquerade',
  backends: {
    iptables: {
      tools: ['iptables', 'iptables-restore'],
      // one `CNI-<24 hex>` chain per pod (iptables-nft only: legacy tables are not visible)
      podRules: (['ip', 'ip6'] as const).map((family) => ({ family, table: 'nat', chain: /^CNI-[0-9a-f]{24}$/ })),
      create: (runner, find) => iptablesMasquerade(runner, { binaries: foundIptablesBinaries(find) }),
    },
    nftables: {
      tools: ['nft'],
      table: { family: 'inet', name: NFT_MASQ_TABLE },
      podRules: [{ family: 'inet', table: NFT_MASQ_TABLE, chain: new RegExp(`^${NFT_MASQ_CHAIN}$`) }],
      create: (runner, find) => nftablesMasquerade(runner, { nft: find('nft') as string }),
    },
  },
};
