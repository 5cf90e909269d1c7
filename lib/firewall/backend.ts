import type { Attachment } from '../core/index.ts';
import type { CommandRunner } from './runner.ts';

// The one shape of every firewall feature (masquerade, port mappings, MAC spoof check, and
// those to come: the firewall plugin's CNI-FORWARD/CNI-ADMIN chains, isolation stages 1/2).
// A feature says which implementations it has and what each needs installed; the selector
// (select.ts) is the same for all of them and never names a feature.

/** The firewall implementations; a config may name one (`ipMasqBackend`, `backend`). */
export type BackendName = 'iptables' | 'nftables';

/**
 * One feature's rules for one attachment, in one firewall implementation. Every method runs
 * the firewall tools through the backend's CommandRunner, in the caller's network namespace.
 * `Spec` is what ADD installs; `Target` is what DEL knows (often less: no addresses when the
 * netns is gone), so teardown finds the rules by owner when the spec is incomplete.
 */
export interface FirewallBackend<Spec, Target = Spec> {
  readonly name: BackendName;
  /** The feature, as messages name it, e.g. `masquerade`. */
  readonly feature: string;
  /** Installs the rules idempotently; a repeated call leaves no duplicates. @throws CommandError */
  setup(spec: Spec): Promise<void>;
  /** Removes the rules; anything already gone counts as removed. @throws CommandError */
  teardown(target: Target): Promise<void>;
  /** @throws FirewallCheckError naming every missing piece; CommandError when a tool fails */
  check(spec: Spec): Promise<void>;
  /**
   * Removes this network's rules whose owner is not in `valid`; other networks' rules are
   * never touched. A layout that names no network tells this network's rules by their host
   * interface (`scope`); without it such a backend removes nothing. @throws CommandError
   */
  gc(network: string, valid: readonly Attachment[], scope?: GcScope): Promise<void>;
}

/**
 * Which host interfaces are this network's, for rules that name an interface but no network
 * (the MAC spoof check): true for a port of the network's bridge, and for an interface that
 * no longer exists (its pod is gone, whichever network it was in; the rule protects nothing).
 */
export interface GcScope {
  readonly hostInterfaceIsOurs: (name: string) => boolean;
}

/** Finds an installed executable by name; undefined when it is not installed. */
export type ToolLookup = (name: string) => string | undefined;

/** How to build one implementation of a feature, and what it needs on the host. */
export interface BackendRecipe<Spec, Target = Spec> {
  /** Executables that must all be installed for the backend to run at all. */
  readonly tools: readonly string[];
  /**
   * An nftables table holding every rule of the feature: when the kernel says it does not
   * exist, DEL and GC skip the backend (a netlink round trip instead of a tool process).
   */
  readonly table?: NftTableRef;
  /**
   * Where the kernel keeps the per-pod rules this backend wrote, readable over netlink without
   * the tool (iptables-nft rules live in nftables tables too). STATUS reads it when the tool is
   * missing: rules there mean existing pods depend on a backend that can no longer run.
   */
  readonly podRules?: readonly NftRulesRef[];
  /** Builds the backend; `find` gives the paths of the tools (and of optional ones). */
  create(runner: CommandRunner, find: ToolLookup): FirewallBackend<Spec, Target>;
}

/** An nftables table by family and name. */
export interface NftTableRef {
  readonly family: 'inet' | 'ip' | 'ip6' | 'bridge';
  readonly name: string;
}

/** Rules in the chains of a table whose name matches `chain`. */
export interface NftRulesRef {
  readonly family: NftTableRef['family'];
  /** The table's name, e.g. `nat` for iptables-nft's or `cni_hostport`. */
  readonly table: string;
  readonly chain: RegExp;
  /** Rules the chains hold with no pod at all (e.g. a jump to an admin chain). @default 0 */
  readonly baseRules?: number;
}

/**
 * A firewall feature: its name and its implementations. A feature without an iptables
 * recipe (the MAC spoof check) is simply nftables-only; the selector needs no change.
 */
export interface FirewallFeature<Spec, Target = Spec> {
  readonly name: string;
  readonly backends: Partial<Record<BackendName, BackendRecipe<Spec, Target>>>;
}
