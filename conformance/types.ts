// The data model of the suite: checks are plain objects (id, plugins, versions, expected
// failures, run) so the list can be filtered, counted and reported without running anything.
import type { TestNamespace } from '../lib/testing/index.ts';
import type { SpecVersion } from './versions.ts';

/**
 * The plugins the suite knows how to exercise. To add one: name it here and in
 * PLUGIN_NAMES, give it a `minimalConf` case in checks/protocol.ts (its protocol checks then come
 * for free), a `checks/<plugin>.ts` listed in checks/index.ts, and a row in README.md.
 */
export type PluginName = 'loopback' | 'bridge' | 'host-local' | 'portmap' | 'firewall' | 'tuning' | 'ptp' | 'bandwidth' | 'static' | 'macvlan' | 'ipvlan' | 'host-device' | 'vlan' | 'vrf' | 'tap' | 'dummy' | 'sbr' | 'dhcp';

/** Every plugin the suite covers, in report order. */
export const PLUGIN_NAMES: readonly PluginName[] = ['loopback', 'bridge', 'host-local', 'portmap', 'firewall', 'tuning', 'ptp', 'bandwidth', 'static', 'macvlan', 'ipvlan', 'host-device', 'vlan', 'vrf', 'tap', 'dummy', 'sbr', 'dhcp'];

/** Which implementation a plugin executable is: Go reference builds get the expected-failure list. */
export type Impl = 'go' | 'other';

/** The plugin directory under test (`--plugins`) or the independent one (`--reference`). */
export type Side = 'plugins' | 'reference';

/** What a check needs from the machine; a missing requirement turns the check into a skip. */
export type Requirement = 'root' | 'socat' | 'ss' | 'ping' | 'iptables' | 'nft';

/** A known deviation of an implementation: the check is expected to fail there. */
export interface ExpectedFailure {
  /** The implementation that deviates. */
  readonly impl: Impl;
  /** Whose implementation decides; defaults to the check's first plugin. */
  readonly plugin?: PluginName;
  /** Which directory that plugin comes from; defaults to `plugins`. */
  readonly side?: Side;
  /** Only for these versions of a versioned check. */
  readonly versions?: readonly SpecVersion[];
  /** Upstream issue or fix, e.g. `plugins#819`. */
  readonly issue: string;
  /** One line: what goes wrong. */
  readonly why: string;
}

/** One conformance check. A check throws to fail and calls `ctx.skip` to skip. */
export interface Check {
  /** Stable identifier, `<category>/<name>`; versioned instances get `@<version>`. */
  readonly id: string;
  readonly title: string;
  /** Plugins taken from the `--plugins` directory. */
  readonly plugins: readonly PluginName[];
  /** Plugins taken from the `--reference` directory (interop checks). */
  readonly refPlugins?: readonly PluginName[];
  /** Run once per listed version; otherwise once, at the highest common version. */
  readonly versions?: readonly SpecVersion[];
  readonly requires?: readonly Requirement[];
  readonly expectedFailures?: readonly ExpectedFailure[];
  /** Per-check time limit in ms (default from the run options). */
  readonly timeoutMs?: number;
  run(ctx: CheckContext): Promise<void>;
}

/** One plugin execution as a runtime makes it. */
export interface CallSpec {
  readonly command: string;
  /** A config object (JSON-encoded) or raw stdin text. */
  readonly stdin: string | object;
  readonly containerId?: string;
  readonly netns?: string;
  readonly ifname?: string;
  readonly args?: string;
  /** CNI_PATH; defaults to the directory of the executable. */
  readonly cniPath?: string;
  /** Extra variables; `undefined` removes one (to test missing variables). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What one plugin execution did. */
export interface Invocation {
  readonly binary: string;
  /** The CNI_* variables it got (PATH omitted). */
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON, or undefined when empty or not JSON. */
  readonly json: unknown;
  readonly ms: number;
  readonly timedOut: boolean;
}

/** What a check gets: its version, the plugin directories, throwaway namespaces and a runner. */
export interface CheckContext {
  readonly id: string;
  /** The spec version this instance runs at. */
  readonly version: SpecVersion;
  readonly dirs: { readonly plugins: string; readonly reference: string | undefined };
  /** A private temporary directory, removed afterwards. */
  readonly tmp: string;
  /** `<tmp>/ipam`: host-local's dataDir for this check. */
  readonly dataDir: string;
  /** Path of a plugin executable. */
  bin(plugin: PluginName, side?: Side): string;
  /** The versions a plugin advertises (VERSION), or undefined when VERSION failed. */
  advertised(plugin: PluginName, side?: Side): readonly string[] | undefined;
  /** Ends the check as skipped. */
  skip(reason: string): never;
  /** Adds a line to the check's details in the JSON report. */
  note(text: string): void;
  /** Registers a cleanup step; they run in reverse order, also after a failure. */
  defer(cleanup: () => unknown): void;
  /** The node namespace (created on first use): `lo` up and 192.0.2.1/24 on an uplink veth. */
  node(): TestNamespace;
  /** A new throwaway namespace (pods, outside hosts), removed afterwards. */
  namespace(purpose: string): TestNamespace;
  /** A fresh container ID, unique to this run. */
  containerId(): string;
  /** Runs a plugin executable inside the node namespace with a clean environment. */
  call(binary: string, spec: CallSpec): Promise<Invocation>;
  /** Aborted when the check times out; long waits should give up. */
  readonly signal: AbortSignal;
}

/** Final state of one check instance. */
export type Status = 'PASS' | 'FAIL' | 'SKIP' | 'XFAIL' | 'XPASS';

/** One line of the report. */
export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly status: Status;
  /** Why it failed or was skipped (one line). */
  readonly reason?: string;
  readonly version?: SpecVersion;
  readonly ms: number;
  /** The matching expected failure, for XFAIL and XPASS. */
  readonly expected?: { readonly issue: string; readonly why: string };
  /** For failures: the full message, notes, and the plugin executions. */
  readonly details?: {
    readonly error?: string;
    readonly notes: readonly string[];
    readonly invocations: readonly Invocation[];
  };
}
