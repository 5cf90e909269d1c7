import type { Owner } from '../../core/index.ts';
import type { FirewallBackend } from '../backend.ts';

// Plain data shared by the masquerade backends and their callers (bridge, and later ptp).

/** One container address to masquerade, with the network it belongs to. */
export interface MasqAddress {
  /** The container's address without prefix, e.g. `10.1.0.5` or `fd00::5`. */
  readonly ip: string;
  /** The prefix length the address was configured with (Go's older jump form used it). */
  readonly prefixLength: number;
  /** The network CIDR, e.g. `10.1.0.0/16`: traffic to it is never masqueraded. Host bits are ignored. */
  readonly subnet: string;
}

/**
 * What one attachment's masquerade rules are keyed by. `ips` may be empty on teardown
 * (DEL without netns or prevResult): the backends then find the rules by owner.
 */
export interface MasqSpec extends Owner {
  readonly ips: readonly MasqAddress[];
}

/** Masquerade rules for one attachment in one firewall implementation. */
export type MasqueradeBackend = FirewallBackend<MasqSpec>;
