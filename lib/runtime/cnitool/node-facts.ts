// What inspect and doctor know about a node, as plain data: collected once (collect-facts.ts,
// through injected readers), then judged (judge.ts) or shown (inspect.ts) without touching the
// node again, so the judging is testable with hand-written facts.

/** One attachment in the libcni result cache. */
export interface AttachmentFact {
  readonly network: string;
  readonly containerId: string;
  readonly ifname: string;
  /** The netns path cached at ADD; undefined when none was cached. */
  readonly netns: string | undefined;
  /** Whether that path still exists; undefined when there is none to check. */
  readonly netnsExists: boolean | undefined;
  /** The cached result's addresses (CIDR text). */
  readonly addresses: readonly string[];
  /** Host-side interfaces of the cached result (no sandbox): a bridge plugin's veth. */
  readonly hostInterfaces: readonly string[];
}

/** One reservation file of host-local. */
export interface ReservationFact {
  readonly ip: string;
  /** Undefined when the file names nobody (empty, garbage, or not a regular file). */
  readonly containerId: string | undefined;
  /** Undefined for legacy files that record only the container. */
  readonly ifname: string | undefined;
  readonly file: string;
}

/** One record of a firewall plugin's state directory (portmap or firewall). */
export interface RecordFact {
  readonly plugin: 'portmap' | 'firewall';
  readonly containerId: string;
  readonly ifname: string;
  readonly file: string;
  /** The backend the record names (portmap records say which one holds the rules). */
  readonly backend: string | undefined;
  /** Port mappings as `hostPort->containerPort/proto` text (portmap records). */
  readonly mappings: readonly string[];
  /** Why the record could not be read, when it could not. */
  readonly damaged?: string | undefined;
}

/** One network of the configuration directory and its state on the node. */
export interface NetworkFacts {
  readonly name: string;
  readonly file: string;
  readonly cniVersion: string;
  readonly plugins: readonly string[];
  /** The bridge a bridge plugin of the list uses (default cni0). */
  readonly bridge: string | undefined;
  /** The host-local directories `<dataDir>/<network>` of the list's plugins. */
  readonly hostLocalDirs: readonly string[];
  /** The state directories `<stateDir>/<network>` of portmap and firewall. */
  readonly recordDirs: readonly { readonly plugin: 'portmap' | 'firewall'; readonly stateDir: string; readonly dir: string; readonly exists: boolean }[];
  readonly attachments: readonly AttachmentFact[];
  readonly reservations: readonly ReservationFact[];
  readonly records: readonly RecordFact[];
  /** Ports of the bridge: name, kind, and whether a veth's peer lives in another netns (a pod's). */
  readonly bridgePorts: readonly { readonly name: string; readonly kind: string | undefined; readonly peerElsewhere: boolean }[];
  /** host-local index files (ours only; Go does not know them). */
  readonly indexFiles: readonly string[];
}

/** One iptables chain of a table, with the rules jumping to it and its own rules. */
export interface IptablesChainFact {
  readonly family: 4 | 6;
  readonly table: string;
  readonly name: string;
}

/** One iptables rule as iptables-save prints it. */
export interface IptablesRuleFact {
  readonly family: 4 | 6;
  readonly table: string;
  readonly chain: string;
  /** The text after `-A CHAIN `. */
  readonly spec: string;
  readonly target: string | undefined;
  readonly comment: string | undefined;
  readonly source: string | undefined;
  readonly destination: string | undefined;
}

/** One nft rule in a table of ours or of the Go plugins. */
export interface NftRuleFact {
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  readonly handle: number;
  readonly comment: string | undefined;
}

/** What a firewall tool told us, or that it could not be asked. */
export interface FirewallFacts {
  /** Undefined when iptables-save is not installed (or failed: see `problems`). */
  readonly iptables: { readonly chains: readonly IptablesChainFact[]; readonly rules: readonly IptablesRuleFact[] } | undefined;
  readonly nft: { readonly chains: readonly { readonly family: string; readonly table: string; readonly name: string }[]; readonly rules: readonly NftRuleFact[] } | undefined;
}

/** One host link. */
export interface LinkFact {
  readonly name: string;
  readonly kind: string | undefined;
  readonly master: string | undefined;
  readonly peerElsewhere: boolean;
}

/** Everything collected, plus what could not be read (shown, never fatal). */
export interface NodeFacts {
  /** Every network of the directory (a judged subset is chosen later). */
  readonly networks: readonly NetworkFacts[];
  /** Cached attachments of networks that have no configuration any more. */
  readonly unconfigured: readonly AttachmentFact[];
  readonly firewall: FirewallFacts;
  /** Host links: name, kind, master bridge name, and whether the peer lives in another netns. */
  readonly links: readonly LinkFact[];
  readonly problems: readonly string[];
}
