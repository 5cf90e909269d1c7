import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_BIN, GO_PLUGIN_DIR, type PluginOutcome, type TestNamespace, createNamespace, ipJson, runPluginBinary } from '../../lib/testing/index.ts';

// Test-only: a throwaway node namespace, pods attached by our built bridge and host-local
// (state in a private directory), and bandwidth chained after them, so nothing touches the
// root namespace or /var/lib/cni.

export const OUR_BANDWIDTH = join(DIST_BIN, 'bandwidth');
/** Debian's Go bandwidth (1.1.1, spec 0.3.0 to 1.0.0). */
export const GO_BANDWIDTH = join(GO_PLUGIN_DIR, 'bandwidth');

/** A qdisc as `tc -j qdisc show` prints it (the fields these tests read). */
export interface TcQdisc {
  kind: string;
  handle: string;
  root?: boolean;
  options?: { rate?: number; burst?: number; lat?: number; limit?: number };
}

/** One pod with a bridge attachment (eth0) and the bridge's result, ready for bandwidth. */
export interface ShapedPod {
  readonly pod: TestNamespace;
  readonly containerId: string;
  readonly prevResult: Record<string, any>;
  /** The host side of the pod's veth, from the bridge's result. */
  readonly hostVeth: string;
  /** The pod's IPv4 address. */
  readonly ip: string;
}

export interface BandwidthEnv {
  readonly node: TestNamespace;
  /** The bridge's address in the node: what a pod sends to. */
  readonly gateway: string;
  attach(purpose: string, version?: string): Promise<ShapedPod>;
  conf(extra: Record<string, unknown>, p?: ShapedPod, version?: string): Record<string, unknown>;
  run(command: string, config: Record<string, unknown>, p: ShapedPod, opts?: { binary?: string; netns?: string }): Promise<PluginOutcome>;
  /** The qdiscs of a link in the node, without the kernel's default ones. */
  qdiscs(dev: string): TcQdisc[];
  /** Whether the node has a link of this name. */
  hasLink(name: string): boolean;
  dispose(): void;
}

export function createBandwidthEnv(purpose: string): BandwidthEnv {
  const node = createNamespace(`${purpose}-node`);
  const state = mkdtempSync(join(tmpdir(), 'cnits-bandwidth-'));
  const pods: TestNamespace[] = [];
  const bridgeConf = (version: string) => ({
    cniVersion: version,
    name: 'net',
    type: 'bridge',
    bridge: 'br-bw',
    isGateway: true,
    ipam: { type: 'host-local', subnet: '10.78.0.0/24', dataDir: join(state, 'ipam') },
  });
  return {
    node,
    gateway: '10.78.0.1',
    async attach(p, version = '1.0.0') {
      const pod = createNamespace(`${purpose}-${p}`);
      pods.push(pod);
      const containerId = pod.name;
      const add = await runPluginBinary(join(DIST_BIN, 'bridge'), { command: 'ADD', config: bridgeConf(version), containerId, netns: pod.path, ifname: 'eth0', node });
      if (add.code !== 0) throw new Error(`bridge ADD failed: ${add.stdout}${add.stderr}`);
      const hostVeth = (add.json.interfaces as { name: string; sandbox?: string; mac?: string }[]).filter((i) => !i.sandbox && i.name !== 'br-bw')[0]?.name ?? '';
      const ip = String(add.json.ips?.[0]?.address ?? add.json.ip4?.ip ?? '').split('/')[0] ?? '';
      return { pod, containerId, prevResult: add.json, hostVeth, ip };
    },
    conf(extra, p, version = '1.0.0') {
      return { cniVersion: version, name: 'net', type: 'bandwidth', ...(p ? { prevResult: p.prevResult } : {}), ...extra };
    },
    run(command, config, p, opts = {}) {
      return runPluginBinary(opts.binary ?? OUR_BANDWIDTH, { command, config, containerId: p.containerId, netns: opts.netns ?? p.pod.path, ifname: 'eth0', node, path: DIST_BIN });
    },
    qdiscs(dev) {
      const all = JSON.parse(node.exec(['tc', '-j', 'qdisc', 'show', 'dev', dev]) || '[]') as TcQdisc[];
      return all.filter((q) => !['noqueue', 'pfifo_fast', 'noop'].includes(q.kind));
    },
    hasLink(name) {
      return ipJson<{ ifname: string }[]>(node, ['link', 'show']).some((l) => l.ifname === name);
    },
    dispose() {
      for (const p of pods) p.remove();
      node.remove();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
