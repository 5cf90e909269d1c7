// The networking facts checks rely on: ping, a TCP server that answers with the peer address it
// sees, a client, and a hand-made "pod" (a veth pair set up with ip(8)) for chained plugins that
// should be judged without depending on the bridge under test.
import { spawn } from 'node:child_process';
import type { TestNamespace } from '../lib/testing/index.ts';
import { execIn, sleep } from './exec.ts';
import { ensure, fail } from './expect.ts';
import type { CheckContext } from './types.ts';
import type { SpecVersion } from './versions.ts';
import { resultFamily } from './versions.ts';

/** True when `ip` answers a ping from inside `ns` (three one-second tries). */
export async function canPing(ns: TestNamespace, ip: string, signal?: AbortSignal): Promise<boolean> {
  for (let i = 0; i < 3 && !signal?.aborted; i++) {
    const r = await execIn(ns.name, ['ping', '-n', '-q', '-c', '1', '-W', '1', ip], { timeoutMs: 5000 });
    if (r.code === 0) return true;
  }
  return false;
}

/** Fails unless `ip` answers a ping from inside `ns`. */
export async function expectPing(ns: TestNamespace, ip: string, what: string, signal?: AbortSignal): Promise<void> {
  ensure(await canPing(ns, ip, signal), `${what}: no ping reply from ${ip}`);
}

/**
 * Starts `socat` in `ns` listening on `port`; each connection gets one line: `reply`, by default
 * the peer address the server saw. Stopped by the check's cleanup (the process group we started).
 */
export async function startEchoServer(ctx: CheckContext, ns: TestNamespace, port: number, reply = '$SOCAT_PEERADDR'): Promise<void> {
  const child = spawn(
    'ip',
    ['netns', 'exec', ns.name, 'socat', '-T', '5', `TCP-LISTEN:${port},reuseaddr,fork`, `SYSTEM:echo ${reply}`],
    { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } },
  );
  const pid = child.pid;
  ctx.defer(() => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  });
  child.unref();
  for (let i = 0; i < 100 && !ctx.signal.aborted; i++) {
    const r = await execIn(ns.name, ['ss', '-Hltn', `sport = :${port}`], { timeoutMs: 5000 });
    if (r.stdout.trim() !== '') return;
    await sleep(30, ctx.signal);
  }
  fail(`could not start a TCP server on port ${port} in ${ns.name}`);
}

/** Connects from `ns` to host:port and returns the line the server sent, or undefined. */
export async function tcpRequest(ns: TestNamespace, host: string, port: number, signal?: AbortSignal): Promise<string | undefined> {
  const target = host.includes(':') ? `[${host}]` : host;
  const r = await execIn(ns.name, ['socat', '-T', '3', '-t', '3', '-', `TCP:${target}:${port},connect-timeout=3`], {
    timeoutMs: 10_000,
    ...(signal ? { signal } : {}),
  });
  return r.code === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
}

/** A pod made by hand: a veth pair between the node and the pod namespace, on its own /24. */
export interface VethPod {
  readonly pod: TestNamespace;
  readonly netns: string;
  readonly hostIf: string;
  readonly ip: string;
  readonly gateway: string;
  readonly cidr: string;
}

/** Creates pod number `index` (1-200) as 10.99.<index>.2/24 behind 10.99.<index>.1 on the node. */
export function makeVethPod(ctx: CheckContext, index: number): VethPod {
  const node = ctx.node();
  const pod = ctx.namespace('pod');
  const hostIf = `pmveth${index}`;
  const gateway = `10.99.${index}.1`;
  const ip = `10.99.${index}.2`;
  node.exec(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.name]);
  node.exec(['ip', 'addr', 'add', `${gateway}/24`, 'dev', hostIf]);
  node.exec(['ip', 'link', 'set', hostIf, 'up']);
  pod.exec(['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  pod.exec(['ip', 'link', 'set', 'eth0', 'up']);
  pod.exec(['ip', 'route', 'add', 'default', 'via', gateway]);
  return { pod, netns: pod.path, hostIf, ip, gateway, cidr: `${ip}/24` };
}

/**
 * Creates a pod on a hand-made bridge of the node: bridge `br` (made on first use, gateway
 * 10.98.<net>.1/24) and pod 10.98.<net>.<host>/24 behind a veth `br<net>p<host>`. For checks of
 * meta plugins that need a bridge in prevResult (firewall isolation) without the bridge under test.
 */
export function makeBridgePod(ctx: CheckContext, br: string, net: number, host: number): VethPod & { readonly bridge: string } {
  const node = ctx.node();
  const gateway = `10.98.${net}.1`;
  if (node.tryExec(['ip', 'link', 'show', br]).code !== 0) {
    node.exec(['ip', 'link', 'add', br, 'type', 'bridge']);
    node.exec(['ip', 'addr', 'add', `${gateway}/24`, 'dev', br]);
    node.exec(['ip', 'link', 'set', br, 'up']);
  }
  const pod = ctx.namespace('pod');
  const hostIf = `br${net}p${host}`;
  const ip = `10.98.${net}.${host}`;
  node.exec(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.name]);
  node.exec(['ip', 'link', 'set', hostIf, 'master', br, 'up']);
  pod.exec(['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  pod.exec(['ip', 'link', 'set', 'eth0', 'up']);
  pod.exec(['ip', 'route', 'add', 'default', 'via', gateway]);
  return { pod, netns: pod.path, hostIf, ip, gateway, cidr: `${ip}/24`, bridge: br };
}

/** What an interface plugin reports about one pod interface (input of {@link podResult}). */
export interface PodFacts {
  readonly netns: string;
  readonly hostIf: string;
  readonly gateway: string;
  readonly cidr: string;
  /** The bridge the host end is attached to: listed first, as the bridge plugin does. */
  readonly bridge?: string;
}

/** The result an interface plugin would have printed for a pod, in `version`'s shape. */
export function podResult(version: SpecVersion, pod: PodFacts): Record<string, unknown> {
  const fam = resultFamily(version);
  if (fam === 'legacy') return { cniVersion: version, ip4: { ip: pod.cidr, gateway: pod.gateway, routes: [{ dst: '0.0.0.0/0' }] } };
  const interfaces = [...(pod.bridge !== undefined ? [{ name: pod.bridge }] : []), { name: pod.hostIf }, { name: 'eth0', sandbox: pod.netns }];
  return {
    cniVersion: version,
    interfaces,
    ips: [{ ...(fam === '040' ? { version: '4' } : {}), address: pod.cidr, gateway: pod.gateway, interface: interfaces.length - 1 }],
    routes: [{ dst: '0.0.0.0/0' }],
  };
}

/** The result an interface plugin would have printed for a {@link VethPod}. */
export function vethPodResult(vp: VethPod, version: SpecVersion): Record<string, unknown> {
  return podResult(version, vp);
}
