import { statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UnavailableError } from '../core/index.ts';
import type { BackendName, FirewallBackend, FirewallFeature, NftRulesRef, NftTableRef } from './backend.ts';
import { NoFirewallBackendError } from './errors.ts';
import { podRulesPresent } from './kernel-rules-probe.ts';
import { nftTableMayExist } from './nft-table-probe.ts';
import type { CommandRunner } from './runner.ts';

/** Where and how to look for the firewall executables and tables (tests replace them). */
export interface BackendLookupOptions {
  /** @default process.env.PATH, followed by /usr/local/sbin, /usr/sbin and /sbin */
  readonly path?: string;
  /** @default an fs check for a regular file with an execute bit */
  readonly isExecutable?: (file: string) => boolean;
  /** @default a netlink question to the kernel (nftTableMayExist) */
  readonly tableMayExist?: (table: NftTableRef) => boolean;
  /** @default a netlink rule dump (podRulesPresent) */
  readonly podRulesPresent?: (ref: NftRulesRef) => boolean;
}

const SBIN_FALLBACK = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/**
 * A regular file with an execute bit. No exception for a missing file: PATH lookups miss in
 * most directories, and a thrown ENOENT costs ~50 us each in a cold process.
 */
function isExecutableFile(file: string): boolean {
  try {
    const st = statSync(file, { throwIfNoEntry: false });
    return st !== undefined && st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false; // ENOTDIR, EACCES: not usable either
  }
}

/**
 * The absolute path of `name` in PATH (plus the sbin directories runtimes often leave
 * out), found with fs checks only: choosing a backend must not cost a process spawn.
 */
export function findExecutable(name: string, options: BackendLookupOptions = {}): string | undefined {
  const isExec = options.isExecutable ?? isExecutableFile;
  const dirs = (options.path ?? process.env.PATH ?? '').split(delimiter).filter((d) => d.startsWith('/'));
  for (const d of SBIN_FALLBACK) if (!dirs.includes(d)) dirs.push(d);
  for (const dir of dirs) {
    const file = join(dir, name);
    if (isExec(file)) return file;
  }
  return undefined;
}

/** Go's default order: iptables first, so nodes upgraded in place keep their rule layout. */
const DEFAULT_ORDER: readonly BackendName[] = ['iptables', 'nftables'];

/** The backend, or the tools it lacks (all of them when the feature has no such backend). */
function build<S, T>(feature: FirewallFeature<S, T>, name: BackendName, runner: CommandRunner, options: BackendLookupOptions): FirewallBackend<S, T> | string[] {
  const recipe = feature.backends[name];
  if (recipe === undefined) return [];
  const seen = new Map<string, string | undefined>();
  const find = (n: string): string | undefined => {
    if (!seen.has(n)) seen.set(n, findExecutable(n, options));
    return seen.get(n);
  };
  const missing = recipe.tools.filter((n) => find(n) === undefined);
  return missing.length > 0 ? missing : recipe.create(runner, find);
}

/**
 * The backend of a feature for an ADD (and CHECK): the configured one if given, else the
 * first installed one in Go's default order (iptables, then nftables). Found by file checks,
 * never by running a probe process.
 * @throws NoFirewallBackendError (an UnavailableError: CNI code 50) naming the missing tools
 */
export function selectBackend<S, T>(
  feature: FirewallFeature<S, T>,
  preference: BackendName | undefined,
  runner: CommandRunner,
  options: BackendLookupOptions = {},
): FirewallBackend<S, T> {
  const order = preference === undefined ? DEFAULT_ORDER.filter((n) => feature.backends[n] !== undefined) : [preference];
  const missing: string[] = [];
  for (const name of order) {
    const b = build(feature, name, runner, options);
    if (!Array.isArray(b)) return b;
    missing.push(...b);
  }
  throw new NoFirewallBackendError(feature.name, preference, missing);
}

/**
 * The backends a DEL or GC must look in: every installed one, since the ADD may have used
 * either (another config, another plugin version), except one whose table the kernel says
 * does not exist (then no rule of the feature can be there).
 */
export function backendsInUse<S, T>(feature: FirewallFeature<S, T>, runner: CommandRunner, options: BackendLookupOptions = {}): FirewallBackend<S, T>[] {
  const mayExist = options.tableMayExist ?? nftTableMayExist;
  return DEFAULT_ORDER.flatMap((name) => {
    const b = build(feature, name, runner, options);
    if (Array.isArray(b)) return [];
    const table = feature.backends[name]?.table;
    return table === undefined || mayExist(table) ? [b] : [];
  });
}

/**
 * STATUS of a feature: an ADD could pick a backend (returns), or it could not (throws). When
 * it could not, the kernel is asked (netlink only: the tools are what is missing, and STATUS
 * changes nothing) whether it holds per-pod rules that only the unusable backends could read,
 * repair or remove: then pods already running depend on a backend that no longer works.
 * @throws NoFirewallBackendError (CNI code 50) when no such rules are seen; an
 *   UnavailableError with existingPodsAffected (CNI code 51) naming the rules when they are
 */
export function backendStatus<S, T>(
  feature: FirewallFeature<S, T>,
  preference: BackendName | undefined,
  runner: CommandRunner,
  options: BackendLookupOptions = {},
): void {
  try {
    selectBackend(feature, preference, runner, options);
  } catch (e) {
    if (!(e instanceof NoFirewallBackendError)) throw e;
    const present = options.podRulesPresent ?? podRulesPresent;
    // the backends selectBackend tried are exactly the unusable ones
    const tried = preference === undefined ? DEFAULT_ORDER.filter((n) => feature.backends[n] !== undefined) : [preference];
    const seen = tried.flatMap((name) =>
      (feature.backends[name]?.podRules ?? []).filter((ref) => present(ref)).map((ref) => `${name}: ${ref.family} ${ref.table} ${ref.chain.source}`),
    );
    if (seen.length === 0) throw e;
    throw new UnavailableError(
      `${e.message}; existing pods' ${feature.name} rules are in the kernel (${seen.join(', ')}) and can no longer be checked, repaired or removed`,
      `install ${e.missing.join(', ') || 'the firewall tools'}: until then existing pods may have limited connectivity (rules lost to a firewall reload stay lost, and a deleted pod's rules stay behind for the next pod given its address)`,
      true,
    );
  }
}
