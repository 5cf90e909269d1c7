// Plain data shared by the masquerade backends and their callers (bridge, ptp).

/** The two implementations a config may name in `ipMasqBackend`. */
export type BackendName = 'iptables' | 'nftables';

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
export interface MasqSpec {
  readonly network: string;
  readonly containerId: string;
  readonly ifname: string;
  readonly ips: readonly MasqAddress[];
}

/** One attachment that GC must keep (CNI's `cni.dev/valid-attachments` entry). */
export interface Attachment {
  readonly containerId: string;
  readonly ifname: string;
}

/**
 * Masquerade rules for one attachment, in one firewall implementation. Every method runs
 * the firewall tools through the backend's CommandRunner, in the caller's network namespace.
 */
export interface MasqueradeBackend {
  readonly name: BackendName;
  /** Installs the rules idempotently; a repeated call leaves no duplicates. @throws CommandError */
  setup(spec: MasqSpec): Promise<void>;
  /** Removes the rules; anything already gone counts as removed. @throws CommandError */
  teardown(spec: MasqSpec): Promise<void>;
  /** @throws MasqueradeCheckError naming every missing piece; CommandError when a tool fails */
  check(spec: MasqSpec): Promise<void>;
  /**
   * Removes this network's rules whose owner is not in `valid`; other networks' rules are
   * never touched. @throws CommandError
   */
  gc(network: string, valid: readonly Attachment[]): Promise<void>;
}
