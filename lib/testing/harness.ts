import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyResult } from '../cni/index.ts';
import { type Spawner, createExec } from '../invoke/index.ts';
import { CniRuntime, type NetworkConfigList, type RuntimeConf, networkConfFromBytes } from '../runtime/index.ts';
import { DIST_BIN } from './plugin-runner.ts';
import { type TestNamespace, addNodeAddress, createNamespace } from './netns.ts';

/**
 * A spawner that runs every plugin inside a namespace (`ip netns exec`), so a runtime in the
 * test process drives plugins that act on the throwaway node instead of the real host.
 */
export function netnsSpawner(nsName: string): Spawner {
  return (req) =>
    new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', nsName, req.path], { env: { ...req.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      if (req.timeoutMs) timer = setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), req.timeoutMs);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.stdin.on('error', () => {});
      child.on('error', (e: NodeJS.ErrnoException) => resolve({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: undefined, spawnError: e.code, spawnMessage: e.message }));
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: code ?? undefined, timedOut });
      });
      child.stdin.end(Buffer.from(req.stdin));
    });
}

/** A throwaway node: a namespace standing for the host, pods, a runtime and temporary state. */
export interface TestNode {
  readonly ns: TestNamespace;
  /** A libcni-equivalent runtime whose plugins run inside the node namespace. */
  readonly runtime: CniRuntime;
  /** Temporary directory for dataDir, caches and state; removed by cleanup(). */
  readonly stateDir: string;
  /** Makes a pod namespace. */
  addPod(purpose?: string): TestNamespace;
  /** Parses a conflist, replacing "$STATE" in its text with stateDir. */
  network(conflist: unknown): NetworkConfigList;
  /** ADD a network list to a pod, as a CRI runtime does. */
  add(list: NetworkConfigList, pod: TestNamespace, rt?: Partial<RuntimeConf>): Promise<AnyResult>;
  check(list: NetworkConfigList, pod: TestNamespace, rt?: Partial<RuntimeConf>): Promise<void>;
  del(list: NetworkConfigList, pod: TestNamespace, rt?: Partial<RuntimeConf>): Promise<void>;
  /** Removes pods, the node and the state. */
  cleanup(): void;
}

/** Options of {@link createTestNode}. */
export interface TestNodeOptions {
  /** Plugin directories (CNI_PATH). @default [dist/bin] */
  readonly pluginPaths?: readonly string[];
  /** A "node IP" on a veth pair inside the node, e.g. "192.0.2.1/24". */
  readonly nodeAddress?: string;
}

/**
 * Creates a throwaway node for netns-based integration tests of CNI plugins: usable by any
 * project (point pluginPaths at its plugins). Everything happens in namespaces made here.
 */
export function createTestNode(options: TestNodeOptions = {}): TestNode {
  const ns = createNamespace('node');
  if (options.nodeAddress) addNodeAddress(ns, options.nodeAddress);
  const stateDir = mkdtempSync(join(tmpdir(), 'cni-ts-node-'));
  const runtime = new CniRuntime({
    pluginPaths: options.pluginPaths ?? [DIST_BIN],
    cacheDir: join(stateDir, 'cache'),
    exec: createExec({ spawner: netnsSpawner(ns.name) }),
    env: { PATH: process.env.PATH },
  });
  const pods: TestNamespace[] = [];
  const conf = (pod: TestNamespace, rt: Partial<RuntimeConf>): RuntimeConf => ({ containerId: pod.name, netns: pod.path, ifname: 'eth0', ...rt });
  return {
    ns,
    runtime,
    stateDir,
    addPod(purpose = 'pod') {
      const pod = createNamespace(purpose);
      pods.push(pod);
      return pod;
    },
    network(conflist) {
      return networkConfFromBytes(Buffer.from(JSON.stringify(conflist).replaceAll('$STATE', stateDir)));
    },
    add: (list, pod, rt = {}) => runtime.addNetworkList(list, conf(pod, rt)),
    check: (list, pod, rt = {}) => runtime.checkNetworkList(list, conf(pod, rt)),
    del: (list, pod, rt = {}) => runtime.delNetworkList(list, conf(pod, rt)),
    cleanup() {
      for (const p of pods) p.remove();
      ns.remove();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
