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

/** The container's address in one family, as prevResult gave it. */
export interface ContainerAddress {
  /** Without prefix, e.g. `10.203.0.2` or `fd00::2`. */
  readonly ip: string;
  /** The container's network, e.g. `10.203.0.0/16` (host bits are ignored): the hairpin source. */
  readonly subnet: string;
}

/** Who owns a set of portmap rules: the CNI attachment key. */
export interface PortmapOwner {
  readonly network: string;
  readonly containerId: string;
  readonly ifname: string;
}

/** Everything needed to install (and to find again) one attachment's port mappings. */
export interface PortmapSpec extends PortmapOwner {
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
export type PortmapTeardownTarget = PortmapOwner & Partial<Omit<PortmapSpec, keyof PortmapOwner>>;

/** One attachment GC must keep (an entry of CNI's `cni.dev/valid-attachments`). */
export interface PortmapAttachment {
  readonly containerId: string;
  readonly ifname: string;
}

/** The two implementations. */
export type PortmapBackendName = 'iptables' | 'nftables';

/** The Go plugin's default mark bit. */
export const DEFAULT_MARK_MASQ_BIT = 13;

/**
 * Host port mapping rules for one attachment in one firewall implementation. Commands run
 * through the backend's CommandRunner, in the caller's network namespace.
 */
export interface PortmapBackend {
  readonly name: PortmapBackendName;
  /**
   * Installs the rules: normally one firewall transaction per invocation. Node-wide chains
   * are created on first use. @throws PortmapInputError, CommandError
   */
  setup(spec: PortmapSpec): Promise<void>;
  /** Removes the rules; anything already gone counts as removed. @throws CommandError */
  teardown(target: PortmapSpec | PortmapTeardownTarget): Promise<void>;
  /** Verifies only the families the spec has an address for. @throws PortmapCheckError, CommandError */
  check(spec: PortmapSpec): Promise<void>;
  /** Removes this network's rules whose owner is not in `valid`. @throws CommandError */
  gc(network: string, valid: readonly PortmapAttachment[]): Promise<void>;
}
