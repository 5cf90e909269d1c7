import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BridgeNetwork } from './conflist.ts';
import { runtimeEnv, type ScenarioContext } from './context.ts';
import { must, run, type RunResult } from './sh.ts';

// podman's private configuration and the way both podman scenarios call it: podman 4 with
// network_backend="cni", every path it writes under the run's state directory (or the private
// mount namespace's tmpfs), the plugins under test at /opt/cni/bin.

/** Paths of podman's private configuration and state. */
export interface PodmanPaths {
  readonly dir: string;
  /** podman's network_config_dir: the conflists it reads and `podman network create` writes. */
  readonly netDir: string;
  readonly pluginDir: string;
}

/**
 * containers.conf (pure). static_dir must be <graphroot>/libpod: podman passes --root but not
 * the static dir to conmon's cleanup command, which then derives it from the graph root; any
 * other static_dir makes that cleanup miss the container (no DEL after a container exits, and
 * `podman run` waits 20 s for an exit it never records).
 */
export function containersConf(p: PodmanPaths, net: Pick<BridgeNetwork, 'name' | 'subnet'>): string {
  return `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[network]
network_backend = "cni"
cni_plugin_dirs = [${JSON.stringify(p.pluginDir)}]
network_config_dir = ${JSON.stringify(p.netDir)}
default_network = ${JSON.stringify(net.name)}
default_subnet = ${JSON.stringify(net.subnet)}

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = ${JSON.stringify(join(p.dir, 'events.log'))}
runtime = "runc"
tmp_dir = ${JSON.stringify(join(p.dir, 'tmp'))}
static_dir = ${JSON.stringify(join(p.dir, 'graph', 'libpod'))}
volume_path = ${JSON.stringify(join(p.dir, 'volumes'))}
`;
}

/** storage.conf (pure): vfs, everything under the private directory. */
export function storageConf(p: PodmanPaths): string {
  return `[storage]
driver = "vfs"
graphroot = ${JSON.stringify(join(p.dir, 'graph'))}
runroot = ${JSON.stringify(join(p.dir, 'run'))}
`;
}

/** podman, configured for the e2e and run inside the node. */
export interface PodmanCli {
  readonly paths: PodmanPaths;
  /** Runs podman and returns stdout; throws CommandError on failure. */
  must(args: readonly string[], timeoutMs?: number): string;
  /** Runs podman and never throws. */
  run(args: readonly string[], timeoutMs?: number): RunResult;
}

/**
 * Writes containers.conf and storage.conf (idempotent: both podman scenarios call it) with
 * `defaultNet` as podman's default network, and returns the podman runner.
 */
export function setUpPodman(ctx: ScenarioContext, defaultNet: Pick<BridgeNetwork, 'name' | 'subnet'>): PodmanCli {
  // Inside the private mount namespace the plugins under test are at /opt/cni/bin.
  const dir = join(ctx.stateDir, 'podman');
  const paths: PodmanPaths = { dir, netDir: join(dir, 'net.d'), pluginDir: '/opt/cni/bin' };
  for (const d of [paths.netDir, join(dir, 'tmp')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(dir, 'containers.conf'), containersConf(paths, defaultNet));
  writeFileSync(join(dir, 'storage.conf'), storageConf(paths));
  const procEnv = runtimeEnv({
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    TMPDIR: join(dir, 'tmp'),
  });
  const argv = (args: readonly string[]): string[] => ctx.env.inside(['podman', ...args]);
  return {
    paths,
    must: (args, timeoutMs = 60_000) => must(argv(args), { env: procEnv, timeoutMs }),
    run: (args, timeoutMs = 60_000) => run(argv(args), { env: procEnv, timeoutMs }),
  };
}

/** A container's address and MAC on one network, from `podman inspect` (empty strings when absent). */
export function containerNetwork(podman: PodmanCli, container: string, network: string): { ip: string; mac: string } {
  const data = JSON.parse(podman.must(['inspect', '--format', 'json', container])) as {
    NetworkSettings?: { Networks?: Record<string, { IPAddress?: string; MacAddress?: string }> };
  }[];
  const n = data[0]?.NetworkSettings?.Networks?.[network];
  return { ip: n?.IPAddress ?? '', mac: n?.MacAddress ?? '' };
}
