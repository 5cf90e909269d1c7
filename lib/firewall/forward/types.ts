import type { Ip } from '../../addr/index.ts';
import type { Owner } from '../../core/index.ts';
import type { FirewallBackend } from '../backend.ts';

// Plain data shared by the forward backends and the firewall plugin.

/** How traffic from other bridges may reach the pod (the Go plugin's `ingressPolicy`). */
export type IngressPolicy = 'open' | 'same-bridge' | 'isolated';

/** Bridge isolation for one bridge: what `same-bridge` and `isolated` install. */
export interface BridgeIsolation {
  readonly policy: 'same-bridge' | 'isolated';
  /** The bridge the pod is on (prevResult.interfaces[0].name, as Go takes it). */
  readonly bridge: string;
}

/**
 * What one attachment's forward rules are keyed by. `ips` are the pod's addresses (no
 * prefix); they may be empty on teardown (DEL without prevResult), when only a backend
 * whose rules carry their owner (nftables) can still find them.
 */
export interface ForwardSpec extends Owner {
  readonly ips: readonly Ip[];
  /** The user-owned chain jumped to first (`iptablesAdminChainName`, default CNI-ADMIN). */
  readonly adminChain: string;
  readonly isolation?: BridgeIsolation;
}

/** The firewall plugin's forward rules in one firewall implementation. */
export type ForwardBackend = FirewallBackend<ForwardSpec>;
