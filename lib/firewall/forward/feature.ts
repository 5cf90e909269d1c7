import type { FirewallFeature } from '../backend.ts';
import { foundIptablesBinaries } from '../iptables-binaries.ts';
import { iptablesForward } from './iptables-backend.ts';
import { NFT_FIREWALL_TABLE } from './names.ts';
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
      create: (runner, find) => iptablesForward(runner, { binaries: foundIptablesBinaries(find) }),
    },
    nftables: {
      tools: ['nft'],
      table: { family: 'inet', name: NFT_FIREWALL_TABLE },
      create: (runner, find) => nftablesForward(runner, { nft: find('nft') as string }),
    },
  },
};
