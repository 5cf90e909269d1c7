import { PortmapCheckError } from './errors.ts';
import { LOCALNET_CHAIN } from './iptables-rules.ts';
import { LOCALNET_INPUT, LOCALNET_OUTPUT } from './nft-plan.ts';

// The localnet guard (a node-wide drop of martian 127/8 traffic that route_localnet would let
// in) is ours alone: Go's portmap sets route_localnet without it. A pod the Go plugin added on
// a node where no ADD of ours has run yet has every rule of its mappings and no guard, and
// CHECK must be able to tell that apart from a broken mapping.

/** True when CHECK failed only because pieces of the localnet guard are missing. */
export function onlyLocalnetGuardMissing(e: unknown): e is PortmapCheckError {
  if (!(e instanceof PortmapCheckError) || e.missing.length === 0) return false;
  return e.missing.every((item) => [LOCALNET_CHAIN, LOCALNET_INPUT, LOCALNET_OUTPUT].some((name) => item.includes(name)));
}
