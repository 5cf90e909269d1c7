/**
 * A pod as a CRI runtime sets it up, through our runtime library in this process: the
 * loopback network (ifname lo), then the pod network [bridge + host-local, portmap] with one
 * port mapping; DEL in reverse. Each whole pod is timed, and each plugin exec (ExecLog).
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { withNetns } from '../../lib/netns/index.ts';
import type { AnyResult } from '../../lib/cni/index.ts';
import type { Side } from './side.ts';

/** One pod operation as measured. */
export interface PodTiming {
  readonly ms: number;
  /** Summed exec time per plugin executable (bridge includes the host-local it runs). */
  readonly plugins: Readonly<Record<string, number>>;
  /** The library's own work: the whole operation minus the plugin execs. */
  readonly overhead: number;
  /** The pod's IPv4 address (ADD). */
  readonly ip?: string | undefined;
  readonly error?: string | undefined;
}

/**
 * ADD: loopback network, then the pod network (as the Go reference's driver and CRI-O do). With
 * `concurrent`, both networks at once, as containerd's go-cni `Setup` does by default (its
 * `SetupSerially` is the serial form). Checks the result has an IPv4 address in the side's subnet.
 */
export async function addPod(side: Side, n: number, { concurrent = false } = {}): Promise<PodTiming> {
  const containerId = side.containerId(n);
  const netns = side.podPath(n);
  const t0 = performance.now();
  let ip: string | undefined;
  let error: string | undefined;
  try {
    const lo = (): Promise<unknown> => side.runtime.addNetworkList(side.lo, { containerId, netns, ifname: 'lo' });
    const podnet = (): Promise<AnyResult> =>
      side.runtime.addNetworkList(side.podnet, { containerId, netns, ifname: 'eth0', capabilityArgs: side.portMappings(n) });
    let result: AnyResult;
    if (concurrent) [, result] = await Promise.all([lo(), podnet()]);
    else result = await lo().then(podnet);
    ip = podAddress(result, side.podPrefix);
    if (ip === undefined) error = `no IPv4 address in ${side.podSubnet} in the result: ${JSON.stringify(result).slice(0, 300)}`;
  } catch (e) {
    error = (e as Error).message;
  }
  return timing(side, containerId, performance.now() - t0, ip, error);
}

/** DEL: the pod network (portmap, then bridge), then loopback. */
export async function delPod(side: Side, n: number): Promise<PodTiming> {
  const containerId = side.containerId(n);
  const netns = side.podPath(n);
  const t0 = performance.now();
  let error: string | undefined;
  try {
    await side.runtime.delNetworkList(side.podnet, { containerId, netns, ifname: 'eth0', capabilityArgs: side.portMappings(n) });
    await side.runtime.delNetworkList(side.lo, { containerId, netns, ifname: 'lo' });
  } catch (e) {
    error = (e as Error).message;
  }
  return timing(side, containerId, performance.now() - t0, undefined, error);
}

function timing(side: Side, containerId: string, ms: number, ip: string | undefined, error: string | undefined): PodTiming {
  const plugins: Record<string, number> = {};
  let execs = 0;
  for (const r of side.log.take(containerId)) {
    plugins[r.plugin] = (plugins[r.plugin] ?? 0) + r.ms;
    execs += r.ms;
  }
  return { ms, plugins, overhead: ms - execs, ip, error };
}

/** The first IPv4 address of the result inside the subnet (prefix "10.213."), without its length. */
export function podAddress(result: AnyResult, prefix: string): string | undefined {
  const ips = (result as { ips?: { address?: unknown }[] }).ips ?? [];
  for (const entry of ips) {
    const address = typeof entry.address === 'string' ? entry.address.split('/')[0] : undefined;
    if (address && /^\d+\.\d+\.\d+\.\d+$/.test(address) && address.startsWith(prefix)) return address;
  }
  return undefined;
}

/** What a node holds after its pods are gone; `clean` says nothing pod-specific is left. */
export interface NodeState {
  readonly clean: boolean;
  readonly veths: readonly string[];
  /** CNI- chains other than the shared ones (SHARED_CHAIN), iptables and ip6tables, every table. */
  readonly podChains: readonly string[];
  readonly natRules: number;
  readonly ipamFiles: readonly string[];
  readonly cacheFiles: readonly string[];
  readonly portmapStateFiles: readonly string[];
}

/** Rules in the node's IPv4 nat table (`-A` lines). */
export function natRuleCount(side: Side): number {
  const out = withNetns(side.node, () => spawnSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).stdout ?? '');
  return out.split('\n').filter((l) => l.startsWith('-A ')).length;
}

/**
 * Chains every pod of a network shares, which stay (empty of pod rules) after the last DEL with
 * ours and with Go's alike: portmap's CNI-HOSTPORT-*, the firewall plugin's CNI-FORWARD and
 * CNI-ADMIN, and the isolation stages. Per-pod chains (CNI-<hash>, CNI-DN-/SN-) must be gone.
 */
const SHARED_CHAIN = /^CNI-(HOSTPORT-|FORWARD |ADMIN |ISOLATION-STAGE-)/;

/** Inspects the node namespace and the side's state directories after a DEL of every pod. */
export function nodeState(side: Side): NodeState {
  const veths = (spawnSync('ip', ['-n', side.nodeNs, '-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' }).stdout ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(':')[1]?.trim() ?? l);
  const saves = withNetns(side.node, () => [
    spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout ?? '',
    spawnSync('ip6tables-save', [], { encoding: 'utf8' }).stdout ?? '',
  ]);
  const podChains = saves
    .flatMap((text) => text.split('\n'))
    .filter((l) => l.startsWith(':CNI-') && !SHARED_CHAIN.test(l.slice(1)))
    .map((l) => l.slice(1).split(' ')[0] as string);
  const natRules = (saves[0] ?? '').split('*').find((t) => t.startsWith('nat'))?.split('\n').filter((l) => l.startsWith('-A ')).length ?? 0;
  const ipamFiles = files(join(side.dirs.ipam, side.podnet.name)).filter((f) => !IPAM_KEPT.has(f) && !f.startsWith('last_reserved_ip.'));
  const cacheFiles = files(join(side.dirs.cache, 'results'));
  const portmapStateFiles = files(join(side.dirs.portmapState, side.podnet.name));
  const clean = veths.length + podChains.length + ipamFiles.length + cacheFiles.length + portmapStateFiles.length === 0;
  return { clean, veths, podChains, natRules, ipamFiles, cacheFiles, portmapStateFiles };
}

/**
 * What host-local keeps in a network directory by design once every pod is gone: the lock,
 * `last_reserved_ip.<range>`, and our host-local's index of the reservations (a cache that is
 * rebuilt from the files whenever the directory changed behind it; not a reservation).
 */
const IPAM_KEPT = new Set(['lock', '.cni-ts-index']);

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** "clean" or what is left, for the progress lines. */
export function describeState(s: NodeState): string {
  if (s.clean) return `clean (${s.natRules} nat rules left)`;
  const parts = [
    s.veths.length ? `${s.veths.length} veths` : '',
    s.podChains.length ? `${s.podChains.length} CNI- chains (${s.podChains.slice(0, 3).join(' ')})` : '',
    s.ipamFiles.length ? `${s.ipamFiles.length} IPAM files (${s.ipamFiles.slice(0, 3).join(' ')})` : '',
    s.cacheFiles.length ? `${s.cacheFiles.length} cache files (${s.cacheFiles.slice(0, 2).join(' ')})` : '',
    s.portmapStateFiles.length ? `${s.portmapStateFiles.length} portmap state files` : '',
  ];
  return `NOT CLEAN: ${parts.filter(Boolean).join(', ')}`;
}
