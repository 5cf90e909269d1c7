import type { Cidr } from '../../addr/index.ts';
import type { Owner } from '../../core/index.ts';
import type { FirewallBackend } from '../backend.ts';

// Plain data describing one attachment's host port mappings, shared by both portmap backends
// and by the portmap plugin that builds it from its config and prevResult.

/** The transport protocols portmap forwards. */
export type PortProtocol = 'tcp' | 'udp' | 'sctp';

/** One host port forwarded to a container port (the plugin has already normalised key case). */
export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: PortProtocol;
  /**
   * Only traffic to this host address is forwarded. Absent or `''` = any address of either
   * family; `0.0.0.0` = any IPv4 address only; `::` = any IPv6 address only (as in Go).
   */
  readonly hostIP?: string;
}

/**
 * The container's address in one family with its prefix, as prevResult gave it (host bits
 * kept, e.g. 10.203.0.2/16): the DNAT target, and its network is the hairpin source.
 */
export type ContainerAddress = Cidr;

/** Everything needed to install (and to find again) one attachment's port mappings. */
export interface PortmapSpec extends Owner {
  readonly mappings: readonly PortMapping[];
  /** Absent: no IPv4 rules, and neither iptables nor the `ip` nft table is touched. */
  readonly containerIPv4?: ContainerAddress;
  /** Absent: no IPv6 rules, and neither ip6tables nor the `ip6` nft table is touched. */
  readonly containerIPv6?: ContainerAddress;
  /** Masquerade hairpin (container -> own hostPort) and localhost -> hostPort traffic. */
  readonly snat: boolean;
  /** Masquerade every source that hits a mapping (macvlan/ipvlan-style setups). */
  readonly masqAll: boolean;
  /** iptables only: the mark bit (0-31) meaning "masquerade this"; Go's default is 13. */
  readonly markMasqBit: number;
  /** iptables only: an existing chain to jump to instead of CNI-HOSTPORT-SETMARK. */
  readonly externalSetMarkChain?: string;
  /** Extra match tokens on this attachment's entry rules, in the backend's own syntax. */
  readonly conditionsV4?: readonly string[];
  readonly conditionsV6?: readonly string[];
}

/**
 * What DEL knows. With the full spec (mappings and container addresses) teardown deletes
 * exactly what setup installed without listing anything; with only the owner it finds the
 * rules by owner (chain name and comment).
 */
export type PortmapTeardownTarget = Owner & Partial<Omit<PortmapSpec, keyof Owner>>;

/** The Go plugin's default mark bit. */
export const DEFAULT_MARK_MASQ_BIT = 13;

/**
 * Host port mapping rules for one attachment in one firewall implementation. setup is
 * normally one firewall transaction per invocation, node-wide chains are created on first
 * use; check verifies only the families the spec has an address for. With the full spec,
 * teardown deletes exactly what setup installed without listing anything.
 */
export type PortmapBackend = FirewallBackend<PortmapSpec, PortmapSpec | PortmapTeardownTarget>;
