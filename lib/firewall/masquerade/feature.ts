import type { FirewallFeature } from '../backend.ts';
import { foundIptablesBinaries } from '../iptables-binaries.ts';
import { NFT_MASQ_TABLE } from '../names.ts';
import { iptablesMasquerade } from './iptables-backend.ts';
import { nftablesMasquerade } from './nft-backend.ts';
import type { MasqSpec } from './types.ts';

/** Masquerade of a container's addresses (the bridge's `ipMasq`; Go's bridge and ptp share these rules). */
export const masquerade: FirewallFeature<MasqSpec> = {
  name: 'masquerade',
  backends: {
    iptables: {
      tools: ['iptables', 'iptables-restore'],
      create: (runner, find) => iptablesMasquerade(runner, { binaries: foundIptablesBinaries(find) }),
    },
    nftables: {
      tools: ['nft'],
      table: { family: 'inet', name: NFT_MASQ_TABLE },
      create: (runner, find) => nftablesMasquerade(runner, { nft: find('nft') as string }),
    },
  },
};
