import type { Cidr } from '../../addr/index.ts';
import type { Owner } from '../../core/index.ts';
import type { FirewallBackend } from '../backend.ts';

// Plain data shared by the masquerade backends and their callers (bridge, and later ptp).

/**
 * One container address to masquerade, with the prefix it was configured with (host bits
 * kept, e.g. 10.1.0.5/16): the address is masqueraded, traffic to its network is not.
 */
export type MasqAddress = Cidr;

/**
 * What one attachment's masquerade rules are keyed by. `ips` may be empty on teardown
 * (DEL without netns or prevResult): the backends then find the rules by owner.
 */
export interface MasqSpec extends Owner {
  readonly ips: readonly MasqAddress[];
}

/** Masquerade rules for one attachment in one firewall implementation. */
export type MasqueradeBackend = FirewallBackend<MasqSpec>;
