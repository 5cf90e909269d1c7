import type { FirewallFeature } from '../backend.ts';
import { iptablesPortmap } from './iptables-backend.ts';
import { nftablesPortmap } from './nft-backend.ts';
import { HOSTIP_HOSTPORTS, HOSTPORTS, NFT_TABLE } from './nft-plan.ts';
import type { PortmapSpec, PortmapTeardownTarget } from './types.ts';

/**
 * Host port mappings (the portmap plugin). The backends run the tools by bare name, found
 * in PATH when they run; the lookup here only decides whether a backend is installed.
 */
export const portmap: FirewallFeature<PortmapSpec, PortmapSpec | PortmapTeardownTarget> = {
  name: 'portmap',
  backends: {
    iptables: {
      tools: ['iptables-restore'],
      // one `CNI-DN-<21 hex>` chain per pod (iptables-nft only: legacy tables are not visible)
      podRules: (['ip', 'ip6'] as const).map((family) => ({ family, table: 'nat', chain: /^CNI-DN-[0-9a-f]{21}$/ })),
      create: (runner) => iptablesPortmap(runner),
    },
    nftables: {
      tools: ['nft'],
      // the per-mapping DNAT rules; the table's other chains hold node-wide rules too
      podRules: (['ip', 'ip6'] as const).map((family) => ({ family, table: NFT_TABLE, chain: new RegExp(`^(${HOSTPORTS}|${HOSTIP_HOSTPORTS})$`) })),
      create: (runner) => nftablesPortmap(runner),
    },
  },
};
