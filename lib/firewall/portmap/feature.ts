import type { FirewallFeature } from '../backend.ts';
import { iptablesPortmap } from './iptables-backend.ts';
import { nftablesPortmap } from './nft-backend.ts';
import type { PortmapSpec, PortmapTeardownTarget } from './types.ts';

/**
 * Host port mappings (the portmap plugin). The backends run the tools by bare name, found
 * in PATH when they run; the lookup here only decides whether a backend is installed.
 */
export const portmap: FirewallFeature<PortmapSpec, PortmapSpec | PortmapTeardownTarget> = {
  name: 'portmap',
  backends: {
    iptables: { tools: ['iptables-restore'], create: (runner) => iptablesPortmap(runner) },
    nftables: { tools: ['nft'], create: (runner) => nftablesPortmap(runner) },
  },
};
