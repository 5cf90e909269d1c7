import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { existingRuntimeCgroups } from './cgroups.ts';
import { normalizeRuleset } from './traces.ts';
import { run } from './sh.ts';

// A read-only picture of what the e2e must never change on the machine: the root network
// namespace (links, addresses, routes, rules, ip_forward) and the host paths runtimes write to
// by default, and the cgroup directories they make. Taken before and after the run; the two must be equal.

/** Host paths whose listing must not change. /run/netns is left out: other tests use it. */
export const WATCHED_PATHS: readonly string[] = [
  '/var/lib/cni',
  '/etc/cni/net.d',
  '/opt',
  '/opt/cni/bin',
  '/usr/lib/cni',
  '/run/containerd',
  '/run/runc',
  '/var/lib/containers',
  '/run/containers',
  '/run/libpod',
  '/run/cni',
  '/run/cni-ts',
];

/** Named texts describing the host; compare two with diffSnapshots. */
export type HostSnapshot = Readonly<Record<string, string>>;

function text(argv: readonly string[]): string {
  const r = run(argv, { timeoutMs: 30_000 });
  return r.code === 0 ? r.stdout : `(exit ${r.code})`;
}

function listing(path: string): string {
  if (!existsSync(path)) return '(absent)';
  try {
    return readdirSync(path).sort().join(' ');
  } catch (error) {
    return `(unreadable: ${(error as Error).message})`;
  }
}

/** Reads the host's state (no changes made); `cgroupNames` are the runtime cgroup directories to list. */
export function hostSnapshot(cgroupNames: readonly string[]): HostSnapshot {
  const snap: Record<string, string> = {
    links: text(['ip', '-o', 'link', 'show'])
      .split('\n')
      .map((l) => l.replace(/^\d+:\s*/, '').split(':')[0] ?? '')
      .sort()
      .join(' '),
    addresses: text(['ip', '-o', 'addr', 'show']).replace(/\s+valid_lft \S+ preferred_lft \S+/g, ''),
    routes: text(['ip', 'route', 'show', 'table', 'all']).replace(/\s+expires \S+/g, ''),
    iptables: normalizeRuleset(text(['iptables-save'])),
    ip6tables: normalizeRuleset(text(['ip6tables-save'])),
    nftables: normalizeRuleset(text(['nft', 'list', 'ruleset'])),
    ip_forward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(),
  };
  for (const p of WATCHED_PATHS) snap[`dir ${p}`] = listing(p);
  snap.cgroups = existingRuntimeCgroups(cgroupNames).join(' ');
  return snap;
}

/** The keys whose text differs, each with its first differing line (pure). */
export function diffSnapshots(before: HostSnapshot, after: HostSnapshot): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key] ?? '(missing)';
    const b = after[key] ?? '(missing)';
    if (a === b) continue;
    const al = a.split('\n');
    const bl = b.split('\n');
    let i = 0;
    while (i < Math.max(al.length, bl.length) && al[i] === bl[i]) i++;
    out.push(`${key}: "${(al[i] ?? '').slice(0, 100)}" became "${(bl[i] ?? '').slice(0, 100)}"`);
  }
  return out;
}
