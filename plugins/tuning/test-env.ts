import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DIST_BIN,
  GO_PLUGIN_DIR,
  type PluginOutcome,
  type TestNamespace,
  createNamespace,
  ipJson,
  runPluginBinary,
} from '../../lib/testing/index.ts';

// Test-only: a throwaway node namespace, pods attached by our built bridge and host-local
// (state in a private directory), and tuning chained after them with a private dataDir, so
// nothing touches /run/cni/tuning, /var/lib/cni or the root namespace.

export const OUR_TUNING = join(DIST_BIN, 'tuning');
/** Debian's Go tuning (1.1.1: sysctl, mac, mtu, promisc, allmulti; no txQLen, no allowlist; up to 1.0.0). */
export const GO_TUNING = join(GO_PLUGIN_DIR, 'tuning');

/** What `ip -d -j link show` says of the pod's interface (the fields these tests read). */
export interface PodLink {
  ifname: string;
  address: string;
  mtu: number;
  flags: string[];
  txqlen: number;
  promiscuity: number;
}

/** One pod with a bridge attachment (eth0) and the bridge's result, ready for tuning. */
export interface TunedPod {
  readonly pod: TestNamespace;
  readonly containerId: string;
  readonly prevResult: Record<string, any>;
  link(): PodLink;
  sysctl(name: string): string;
}

export interface TuningEnv {
  readonly node: TestNamespace;
  readonly dataDir: string;
  /** A pod attached by our bridge with cniVersion `version` (its result becomes prevResult). */
  attach(purpose: string, version?: string): Promise<TunedPod>;
  /** A tuning config (network "net", dataDir private) with prevResult when given. */
  conf(extra: Record<string, unknown>, p?: TunedPod, version?: string): Record<string, unknown>;
  /** Runs tuning (ours unless `binary`) for the pod's eth0 inside the node. */
  run(command: string, config: Record<string, unknown>, p: TunedPod, opts?: { binary?: string; args?: string; env?: Record<string, string>; netns?: string; ifname?: string }): Promise<PluginOutcome>;
  /** The files of the dataDir. */
  backups(): string[];
  dispose(): void;
}

export function createTuningEnv(purpose: string): TuningEnv {
  const node = createNamespace(`${purpose}-node`);
  const state = mkdtempSync(join(tmpdir(), 'cnits-tuning-'));
  const dataDir = join(state, 'tuning');
  const pods: TestNamespace[] = [];
  const bridgeConf = (version: string) => ({
    cniVersion: version,
    name: 'net',
    type: 'bridge',
    bridge: 'br-tun',
    ipam: { type: 'host-local', subnet: '10.79.0.0/24', dataDir: join(state, 'ipam') },
  });
  return {
    node,
    dataDir,
    async attach(p, version = '1.1.0') {
      const pod = createNamespace(`${purpose}-${p}`);
      pods.push(pod);
      const containerId = pod.name;
      const add = await runPluginBinary(join(DIST_BIN, 'bridge'), { command: 'ADD', config: bridgeConf(version), containerId, netns: pod.path, ifname: 'eth0', node });
      if (add.code !== 0) throw new Error(`bridge ADD failed: ${add.stdout}${add.stderr}`);
      return {
        pod,
        containerId,
        prevResult: add.json,
        link: () => (ipJson<PodLink[]>(pod, ['-d', 'link', 'show', 'eth0'])[0] as PodLink),
        sysctl: (name) => pod.exec(['cat', `/proc/sys/${name.replaceAll('.', '/')}`]).trim(),
      };
    },
    conf(extra, p, version = '1.1.0') {
      return { cniVersion: version, name: 'net', type: 'tuning', dataDir, ...(p ? { prevResult: p.prevResult } : {}), ...extra };
    },
    run(command, config, p, opts = {}) {
      return runPluginBinary(opts.binary ?? OUR_TUNING, {
        command,
        config,
        containerId: p.containerId,
        netns: opts.netns ?? p.pod.path,
        ifname: opts.ifname ?? 'eth0',
        node,
        path: DIST_BIN,
        ...(opts.args !== undefined ? { args: opts.args } : {}),
        ...(opts.env ? { env: opts.env } : {}),
      });
    },
    backups() {
      try {
        return readdirSync(dataDir).sort();
      } catch {
        return [];
      }
    },
    dispose() {
      for (const p of pods) p.remove();
      node.remove();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
