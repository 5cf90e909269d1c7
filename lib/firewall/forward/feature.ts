import type { FirewallFeature } from '../backend.ts';
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
      create: (runner, find) =>
        iptablesForward(runner, {
          binaries: {
            iptables: find('iptables') as string,
            iptablesRestore: find('iptables-restore') as string,
            // IPv6 is optional: a missing ip6tables fails only an IPv6 ADD, by name
            ip6tables: find('ip6tables') ?? 'ip6tables',
            ip6tablesRestore: find('ip6tables-restore') ?? 'ip6tables-restore',
          },
        }),
    },
    nftables: {
      tools: ['nft'],
      table: { family: 'inet', name: NFT_FIREWALL_TABLE },
      create: (runner, find) => nftablesForward(runner, { nft: find('nft') as string }),
    },
  },
};
