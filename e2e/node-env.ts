import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CleanupStack } from './cleanup.ts';
import { must, sleep, startBackground, tail, type Background } from './sh.ts';

// The "node": a throwaway network namespace standing for the host, plus a private mount
// namespace held open by a sleeping process. Every runtime command runs in both
// (`nsenter -t <holder> -m -n`), so bridges, rules, sysctls and host ports land in the node
// namespace, and the runtimes' fixed host paths (libcni's cache in /var/lib/cni, podman's
// /run/netns and /run/runc, containerd's /run/containerd, ctr's /etc/cni/net.d and /opt/cni/bin)
// are tmpfs or bind mounts that the host never sees (real-clients.md, "Running a runtime inside
// a throwaway node namespace"). nsenter rather than `ip netns exec`: the latter remounts /sys
// and runc then finds no cgroup mount.

/** Host paths that runtimes write to and that get a private tmpfs in the mount namespace. */
// /run/cni (tuning's saved values, Go's and ours) and /run/cni-ts (our portmap's records) are
// where plugins keep state when a generated conflist, such as podman's, names no directory.
export const SHADOWED_DIRS: readonly string[] = ['/var/lib/cni', '/run/netns', '/run/containerd', '/run/runc', '/var/lib/containers', '/run/cni', '/run/cni-ts'];

/** The node's own address, on a veth pair whose both ends stay inside the node namespace. */
export const NODE_IP = '192.0.2.10';

/** One mount made inside the private mount namespace. */
export type MountStep =
  | { readonly kind: 'tmpfs'; readonly target: string }
  | { readonly kind: 'bind'; readonly source: string; readonly target: string };

/** What the private mount namespace shows in place of the host's paths. */
export interface MountPlanInput {
  /** A directory with an empty cni/bin, bound over /opt. */
  readonly optDir: string;
  /** The plugins under test, bound over /opt/cni/bin (ctr hard-codes /opt/cni/bin). */
  readonly pluginDir: string;
  /** An empty directory, bound over /usr/lib/cni so ctr cannot fall back to Debian's plugins. */
  readonly emptyDir: string;
  /** The conflist directory bound over /etc/cni/net.d for ctr; omitted when the host has none. */
  readonly ctrNetDir?: string;
  /** Whether /usr/lib/cni exists on the host. */
  readonly hasUsrLibCni: boolean;
  /** More host paths to cover with a private tmpfs (the cluster nodes' /var/lib/containerd, /etc/cni). */
  readonly extraTmpfs?: readonly string[];
}

/**
 * The mounts, in order (pure). The plugin directory is bound onto /opt/cni/bin before
 * /usr/lib/cni is hidden, so `--plugins /usr/lib/cni` still works.
 */
export function mountPlan(input: MountPlanInput): MountStep[] {
  const steps: MountStep[] = [...SHADOWED_DIRS, ...(input.extraTmpfs ?? [])].map((target) => ({ kind: 'tmpfs', target }));
  steps.push({ kind: 'bind', source: input.optDir, target: '/opt' });
  steps.push({ kind: 'bind', source: input.pluginDir, target: '/opt/cni/bin' });
  if (input.hasUsrLibCni) steps.push({ kind: 'bind', source: input.emptyDir, target: '/usr/lib/cni' });
  if (input.ctrNetDir) steps.push({ kind: 'bind', source: input.ctrNetDir, target: '/etc/cni/net.d' });
  return steps;
}

/** Quotes a word for POSIX sh. */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The holder's script: make the mounts, say "ready", then sleep until killed (pure). */
export function holderScript(steps: readonly MountStep[]): string {
  const lines = ['set -e'];
  for (const s of steps) {
    if (s.kind === 'tmpfs') lines.push(`mount -t tmpfs -o mode=0755 cnits-e2e ${shQuote(s.target)}`);
    else lines.push(`mount --bind ${shQuote(s.source)} ${shQuote(s.target)}`);
  }
  lines.push('echo ready', 'exec sleep infinity');
  return lines.join('\n');
}

/** The running node. */
export interface NodeEnv {
  /** Name of the node's network namespace (`cnits-e2e-<random>`). */
  readonly name: string;
  /** PID of the process holding the private mount namespace. */
  readonly holderPid: number;
  /** argv that runs a command in the node's network and private mount namespaces. */
  inside(argv: readonly string[]): string[];
  /** argv that runs a command in the node's network namespace only. */
  inNet(argv: readonly string[]): string[];
  /** The host path through which a path of the private mount namespace can be read. */
  view(path: string): string;
}

/** Where the node keeps its own files. */
export interface NodeEnvOptions {
  readonly stateDir: string;
  readonly pluginDir: string;
  /** Directory ctr reads as /etc/cni/net.d; none for a node whose /etc/cni is a tmpfs. */
  readonly ctrNetDir?: string;
  readonly say: (line: string) => void;
  /** Namespace name prefix. @default 'cnits-e2e' */
  readonly namePrefix?: string;
  /** Make the uplink0 pair with NODE_IP (the single-node e2e). @default true */
  readonly uplink?: boolean;
  /** See MountPlanInput.extraTmpfs. */
  readonly extraTmpfs?: readonly string[];
}

/**
 * Creates the node namespace and the private mount namespace, registering their removal.
 * @throws Error when a namespace cannot be made or the mount namespace turns out not private.
 */
export async function createNodeEnv(options: NodeEnvOptions, cleanup: CleanupStack): Promise<NodeEnv> {
  const name = `${options.namePrefix ?? 'cnits-e2e'}-${randomBytes(4).toString('hex')}`;
  must(['ip', 'netns', 'add', name]);
  cleanup.defer(`delete network namespace ${name}`, () => {
    must(['ip', 'netns', 'del', name]);
  });
  must(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  if (options.uplink ?? true) {
    must(['ip', '-n', name, 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink0p']);
    must(['ip', '-n', name, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'uplink0']);
    must(['ip', '-n', name, 'link', 'set', 'uplink0', 'up']);
    must(['ip', '-n', name, 'link', 'set', 'uplink0p', 'up']);
  }

  for (const dir of [...SHADOWED_DIRS, ...(options.extraTmpfs ?? [])]) ensureMountpoint(dir, cleanup);
  const optDir = `${options.stateDir}/opt`;
  const emptyDir = `${options.stateDir}/empty`;
  mkdirSync(`${optDir}/cni/bin`, { recursive: true });
  mkdirSync(emptyDir, { recursive: true });
  if (options.ctrNetDir) mkdirSync(options.ctrNetDir, { recursive: true });
  const hasNetD = existsSync('/etc/cni/net.d');
  if (!hasNetD && options.ctrNetDir) options.say('note: /etc/cni/net.d does not exist, so ctr cannot be given a private one');
  const script = holderScript(
    mountPlan({
      optDir,
      pluginDir: options.pluginDir,
      emptyDir,
      hasUsrLibCni: existsSync('/usr/lib/cni'),
      ...(hasNetD && options.ctrNetDir ? { ctrNetDir: options.ctrNetDir } : {}),
      ...(options.extraTmpfs ? { extraTmpfs: options.extraTmpfs } : {}),
    }),
  );
  const log = `${options.stateDir}/holder-${name}.log`;
  const holder = startBackground(
    ['nsenter', `--net=/run/netns/${name}`, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script],
    log,
  );
  cleanup.defer(`stop mount-namespace holder ${holder.pid} and what is left inside`, () => stopHolder(holder, options.say));
  await waitReady(holder);
  assertPrivate(holder.pid, name);

  const pid = String(holder.pid);
  return {
    name,
    holderPid: holder.pid,
    inside: (argv) => ['nsenter', '-t', pid, '-m', '-n', ...argv],
    inNet: (argv) => ['nsenter', '-t', pid, '-n', ...argv],
    view: (path) => `/proc/${pid}/root${path}`,
  };
}

/** Creates a missing mount point (and parents) and registers its removal when still empty. */
function ensureMountpoint(dir: string, cleanup: CleanupStack): void {
  if (existsSync(dir)) return;
  let top = dir;
  while (!existsSync(dirname(top))) top = dirname(top);
  mkdirSync(dir, { recursive: true });
  cleanup.defer(`remove mount point ${dir} (created by the e2e)`, () => {
    for (let d = dir; ; d = dirname(d)) {
      if (existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
      if (d === top) break;
    }
  });
}

async function waitReady(holder: Background): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const text = existsSync(holder.log) ? readFileSync(holder.log, 'utf8') : '';
    if (text.includes('ready')) return;
    if (holder.hasExited() || performance.now() > deadline) {
      throw new Error(`private mount namespace not ready: ${tail(text) || 'no output'}`);
    }
    await sleep(20);
  }
}

function assertPrivate(pid: number, name: string): void {
  const mine = readlinkSync('/proc/self/ns/mnt');
  const theirs = readlinkSync(`/proc/${pid}/ns/mnt`);
  if (mine === theirs) throw new Error('the holder shares the host mount namespace');
  const node = statSync(`/run/netns/${name}`).ino;
  const net = statSync(`/proc/${pid}/ns/net`).ino;
  if (node !== net) throw new Error('the holder is not in the node network namespace');
}

/** PIDs whose mount namespace is `mntNs`, plus all their descendants, except `exclude`. */
export function processesIn(mntNs: string, exclude: number): number[] {
  const parent = new Map<number, number>();
  const inside = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readlinkSync(`/proc/${pid}/ns/mnt`) === mntNs) inside.add(pid);
    } catch {
      // the process ended meanwhile
    }
  }
  const found = new Set<number>(inside);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  found.delete(exclude);
  return [...found].sort((a, b) => a - b);
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

async function stopHolder(holder: Background, say: (line: string) => void): Promise<void> {
  let stuck: number[] = [];
  if (!holder.hasExited()) {
    let mntNs = '';
    try {
      mntNs = readlinkSync(`/proc/${holder.pid}/ns/mnt`);
    } catch {
      // already gone
    }
    if (mntNs) {
      const leftovers = processesIn(mntNs, holder.pid);
      for (const pid of leftovers) {
        say(`cleanup: killing leftover process ${pid} (${commOf(pid)}) from the private mount namespace`);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // ended meanwhile
        }
      }
      for (let i = 0; i < 50 && processesIn(mntNs, holder.pid).length > 0; i++) await sleep(100);
      stuck = processesIn(mntNs, holder.pid);
    }
    process.kill(holder.pid, 'SIGKILL');
  }
  await holder.waitExit(5_000);
  if (!holder.hasExited()) throw new Error(`holder ${holder.pid} did not exit`);
  if (stuck.length) throw new Error(`processes still alive after SIGKILL: ${stuck.map((p) => `${p} (${commOf(p)})`).join(', ')}`);
}
