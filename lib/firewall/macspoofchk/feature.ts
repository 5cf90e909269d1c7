import type { FirewallFeature } from '../backend.ts';
import { nftablesMacSpoofCheck } from './nft-backend.ts';
import { FAMILY, TABLE } from './nft-plan.ts';
import type { MacSpoofCheckSpec, MacSpoofCheckTarget } from './types.ts';

/** The bridge's `macspoofchk`: nftables only, as in Go (no iptables recipe). */
export const macSpoofCheck: FirewallFeature<MacSpoofCheckSpec, MacSpoofCheckTarget> = {
  name: 'macspoofchk',
  backends: {
    nftables: {
      tools: ['nft'],
      table: { family: FAMILY, name: TABLE },
      create: (runner, find) => nftablesMacSpoofCheck(runner, { nft: find('nft') as string }),
    },
  },
};
