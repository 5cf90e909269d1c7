import type { FirewallFeature } from '../backend.ts';
import { foundIptablesBinaries } from '../iptables-binaries.ts';
import { iptablesForward } from './iptables-backend.ts';
import { FORWARD_CHAIN, NFT_FIREWALL_TABLE } from './names.ts';
import { nftablesForward } from './nft-backend.ts';
import type { ForwardSpec } from './types.ts';

/**
 * The firewall plugin's forward rules: per-pod ACCEPTs behind an admin chain, and bridge
 * isolation. The iptables recipe needs both families' tools only when a family is used.
 */
export const forwardRules: FirewallFeature<ForwardSpec> = {
  name: 'firewall',
  backends: {
    iptables: {
      tools: ['iptables', 'iptables-restore'],
      // CNI-FORWARD: the admin chain's jump, then each pod's address rules (iptables-nft only)
      podRules: (['ip', 'ip6'] as const).map((family) => ({ family, table: 'filter', chain: new RegExp(`^${FORWARD_CHAIN}$`), baseRules: 1 })),
      create: (runner, find) => iptablesForward(runner, { binaries: foundIptablesBinaries(find) }),
    },
    nftables: {
      tools: ['nft'],
      table: { family: 'inet', name: NFT_FIREWALL_TABLE },
      podRules: [{ family: 'inet', table: NFT_FIREWALL_TABLE, chain: new RegExp(`^${FORWARD_CHAIN}$`), baseRules: 1 }],
      create: (runner, find) => nftablesForward(runner, { nft: find('nft') as string }),
    },
  },
};
