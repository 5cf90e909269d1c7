import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

// Throwaway network namespaces for integration tests. Every namespace made here is recorded
// and removed by removeAllNamespaces() (call it in afterAll) and, as a last resort, when the
// process exits, so a failing test never leaves one behind.

const created = new Set<string>();
let exitHookInstalled = false;

/** True when running as root, which the kernel-touching tests need. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** A named network namespace made by a test. */
export interface TestNamespace {
  readonly name: string;
  /** The path runtimes pass as CNI_NETNS. */
  readonly path: string;
  /** Runs a command inside the namespace and returns its stdout; throws with stderr on failure. */
  exec(argv: readonly string[], options?: { input?: string }): string;
  /** Runs a command inside the namespace and returns everything without throwing. */
  tryExec(argv: readonly string[], options?: { input?: string }): { code: number; stdout: string; stderr: string };
  /** Removes the namespace (idempotent). */
  remove(): void;
}

/** A unique name: the prefix and 8 random hex characters, cut to 32 characters. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`.slice(0, 32);
}

function run(argv: readonly string[], input?: string): { code: number; stdout: string; stderr: string } {
  const [file, ...args] = argv;
  const r = spawnSync(file as string, args, { input: input ?? '', encoding: 'utf8' });
  if (r.error) return { code: 127, stdout: '', stderr: String(r.error.message) };
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Creates a namespace `cnits-<purpose>-<random>` with `lo` up.
 * @throws Error when `ip netns add` fails (not root, no iproute2).
 */
export function createNamespace(purpose: string): TestNamespace {
  const name = uniqueName(`cnits-${purpose}`);
  execFileSync('ip', ['netns', 'add', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  created.add(name);
  installExitHook();
  const ns: TestNamespace = {
    name,
    path: `/run/netns/${name}`,
    exec(argv, options = {}) {
      const r = run(['ip', 'netns', 'exec', name, ...argv], options.input);
      if (r.code !== 0) throw new Error(`${argv.join(' ')} in ${name} failed (${r.code}): ${r.stderr.trim()}`);
      return r.stdout;
    },
    tryExec(argv, options = {}) {
      return run(['ip', 'netns', 'exec', name, ...argv], options.input);
    },
    remove() {
      removeNamespace(name);
    },
  };
  ns.exec(['ip', 'link', 'set', 'lo', 'up']);
  return ns;
}

/** Removes one namespace made here; a namespace that is already gone is fine. */
export function removeNamespace(name: string): void {
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  created.delete(name);
}

/** Removes every namespace this process made. */
export function removeAllNamespaces(): void {
  for (const name of [...created]) removeNamespace(name);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', removeAllNamespaces);
}

/** Parses `ip -j` output of a command run in a namespace. */
export function ipJson<T = unknown>(ns: TestNamespace, args: readonly string[]): T {
  return JSON.parse(ns.exec(['ip', '-j', ...args]) || '[]') as T;
}

/**
 * Gives a namespace a "node IP" on a veth pair whose both ends stay inside it (the kernel
 * here has no dummy driver), so host-port tests have an address other than 127.0.0.1.
 */
export function addNodeAddress(ns: TestNamespace, cidr: string, linkName = 'uplink0'): void {
  ns.exec(['ip', 'link', 'add', linkName, 'type', 'veth', 'peer', 'name', `${linkName}p`]);
  ns.exec(['ip', 'addr', 'add', cidr, 'dev', linkName]);
  ns.exec(['ip', 'link', 'set', linkName, 'up']);
  ns.exec(['ip', 'link', 'set', `${linkName}p`, 'up']);
}
