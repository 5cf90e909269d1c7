import type { FirewallFeature } from '../backend.ts';
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
      create: (runner, find) =>
        iptablesMasquerade(runner, {
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
      table: { family: 'inet', name: NFT_MASQ_TABLE },
      create: (runner, find) => nftablesMasquerade(runner, { nft: find('nft') as string }),
    },
  },
};
