import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CleanupStack } from '../cleanup.ts';
import { runtimeEnv } from '../context.ts';
import { createNodeEnv, type NodeEnv } from '../node-env.ts';
import { eventually, GiveUp, must, sleep, startBackground, tail, type Background } from '../sh.ts';
import { CriClient } from '../cri/client.ts';
import { CRI_NAMESPACE, criContainerdConfig, NODE_PATHS } from './cri-config.ts';
import type { NodePlan } from './topology.ts';

// One cluster node: its network namespace and private mount namespace (the single-node e2e's
// node-env, with /var/lib/containerd and /etc/cni on tmpfs too), its containerd with the CRI
// plugin, and a CRI client on its socket (reached from here through /proc/<holder>/root).

/** A running node. */
export interface ClusterNode {
  readonly plan: NodePlan;
  readonly env: NodeEnv;
  readonly cri: CriClient;
  readonly dir: string;
  readonly daemon: Background;
  /** Runs ctr in the node (CRI namespace). */
  ctr(args: readonly string[], timeoutMs?: number): string;
}

/** Host paths a node covers with tmpfs besides node-env's. */
export const NODE_TMPFS: readonly string[] = ['/var/lib/containerd', '/etc/cni'];

export interface NodeOptions {
  readonly stateDir: string;
  readonly pluginDir: string;
  readonly snapshotter: string;
  readonly isolatedHandler?: string;
  readonly say: (line: string) => void;
}

/** Makes the node's namespaces (before the underlay is plugged in). */
export async function createClusterNodeEnv(plan: NodePlan, options: NodeOptions, cleanup: CleanupStack): Promise<NodeEnv> {
  const dir = join(options.stateDir, plan.name);
  mkdirSync(dir, { recursive: true });
  return createNodeEnv({ stateDir: dir, pluginDir: options.pluginDir, say: options.say, namePrefix: `cnits-cl-${plan.name}`, uplink: false, extraTmpfs: NODE_TMPFS }, cleanup);
}

/**
 * Starts the node's containerd with the CRI plugin and an empty conflist directory, waits for
 * the CRI to answer Version and imports the images into the CRI namespace.
 * @throws Error when containerd exits or does not answer in time.
 */
export async function startNodeRuntime(plan: NodePlan, env: NodeEnv, options: NodeOptions, archives: readonly string[], cleanup: CleanupStack): Promise<ClusterNode> {
  const dir = join(options.stateDir, plan.name);
  const procEnv = runtimeEnv({ TMPDIR: '/tmp' });
  for (const d of [NODE_PATHS.confDir, NODE_PATHS.isolatedConfDir]) mkdirSync(env.view(d), { recursive: true });
  const config = join(dir, 'config.toml');
  writeFileSync(config, criContainerdConfig({ snapshotter: options.snapshotter, ...(options.isolatedHandler ? { isolatedHandler: options.isolatedHandler } : {}) }));
  const daemon = startBackground(env.inside(['containerd', '--config', config]), join(dir, 'containerd.log'), procEnv);
  const ctr = (args: readonly string[], timeoutMs = 60_000): string => must(env.inside(['ctr', '--namespace', CRI_NAMESPACE, ...args]), { env: procEnv, timeoutMs });
  const cri = new CriClient(env.view(NODE_PATHS.socket));
  cleanup.defer(`${plan.name}: stop containerd (pid ${daemon.pid})`, () => stopDaemon(daemon, cri));
  await eventually(() => {
    if (daemon.hasExited()) throw new GiveUp(`containerd exited: ${tail(readFileSync(daemon.log, 'utf8'))}`);
    ctr(['version'], 5_000);
  }, 30_000, 200);
  // the CRI plugin comes up with the daemon; Version proves the gRPC service answers
  for (let i = 0; ; i++) {
    try {
      await cri.version();
      break;
    } catch (error) {
      if (i >= 50 || daemon.hasExited()) throw new Error(`CRI Version: ${(error as Error).message}; log: ${tail(readFileSync(daemon.log, 'utf8'))}`);
      await sleep(200);
    }
  }
  for (const archive of archives) ctr(['images', 'import', '--snapshotter', options.snapshotter, archive], 120_000);
  return { plan, env, cri, dir, daemon, ctr };
}

async function stopDaemon(daemon: Background, cri: CriClient): Promise<void> {
  cri.close();
  if (daemon.hasExited()) return;
  process.kill(daemon.pid, 'SIGTERM');
  await daemon.waitExit(10_000);
  if (!daemon.hasExited()) {
    process.kill(daemon.pid, 'SIGKILL');
    await daemon.waitExit(5_000);
  }
}

/** The node's conflist directory as seen from here. */
export function confDirOf(node: { env: NodeEnv }, isolated = false): string {
  return node.env.view(isolated ? NODE_PATHS.isolatedConfDir : NODE_PATHS.confDir);
}
