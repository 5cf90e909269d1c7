import { statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NoFirewallBackendError } from './errors.ts';
import { iptablesMasquerade } from './iptables/masq-backend.ts';
import { nftablesMasquerade } from './nftables/masq-backend.ts';
import type { CommandRunner } from './runner.ts';
import type { BackendName, MasqueradeBackend } from './types.ts';

/** Where and how to look for the firewall executables (tests replace both). */
export interface BackendLookupOptions {
  /** @default process.env.PATH, followed by /usr/local/sbin, /usr/sbin and /sbin */
  readonly path?: string;
  /** @default an fs check for a regular file with an execute bit */
  readonly isExecutable?: (file: string) => boolean;
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

/** The executables each backend needs before it counts as usable. */
const REQUIRED: Record<BackendName, readonly string[]> = {
  iptables: ['iptables', 'iptables-restore'],
  nftables: ['nft'],
};

function build(name: BackendName, runner: CommandRunner, options: BackendLookupOptions): MasqueradeBackend | string[] {
  const seen = new Map<string, string | undefined>();
  const found = (n: string): string | undefined => {
    if (!seen.has(n)) seen.set(n, findExecutable(n, options));
    return seen.get(n);
  };
  const missing = REQUIRED[name].filter((n) => found(n) === undefined);
  if (missing.length > 0) return missing;
  if (name === 'nftables') return nftablesMasquerade(runner, { nft: found('nft') as string });
  return iptablesMasquerade(runner, {
    binaries: {
      iptables: found('iptables') as string,
      iptablesRestore: found('iptables-restore') as string,
      // IPv6 is optional: a missing ip6tables fails only an IPv6 ADD, by name
      ip6tables: found('ip6tables') ?? 'ip6tables',
      ip6tablesRestore: found('ip6tables-restore') ?? 'ip6tables-restore',
    },
  });
}

/**
 * The backend for an ADD: the configured one if given, else iptables when installed, else
 * nftables when installed (Go's default order, so upgraded nodes keep their rule layout).
 * @throws NoFirewallBackendError when the chosen or every backend lacks its executables
 */
export function selectBackend(
  preference: BackendName | undefined,
  runner: CommandRunner,
  options: BackendLookupOptions = {},
): MasqueradeBackend {
  const order: BackendName[] = preference === undefined ? ['iptables', 'nftables'] : [preference];
  const missing: string[] = [];
  for (const name of order) {
    const b = build(name, runner, options);
    if (!Array.isArray(b)) return b;
    missing.push(...b);
  }
  throw new NoFirewallBackendError(preference, missing);
}

/**
 * Every installed backend, for DEL and GC: the ADD may have used either one (another
 * config, another plugin version), so teardown must look in both.
 */
export function usableBackends(runner: CommandRunner, options: BackendLookupOptions = {}): MasqueradeBackend[] {
  return (['iptables', 'nftables'] as const)
    .map((name) => build(name, runner, options))
    .filter((b): b is MasqueradeBackend => !Array.isArray(b));
}
