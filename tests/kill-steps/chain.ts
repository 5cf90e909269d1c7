import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type Spawner, createExec } from '../../lib/invoke/index.ts';
import { CniRuntime, type NetworkConfigList, networkConfFromBytes } from '../../lib/runtime/index.ts';
import { DIST_BIN, type TestNamespace, createNamespace } from '../../lib/testing/index.ts';
import type { StatePlaces } from './node-state.ts';

// Test-only: the chain of issue 17 on a throwaway node, driven by our runtime library exactly
// as a CRI runtime drives it (dist/bin executables, the result cache, DEL in reverse, GC), with
// one seam: the ADD of one chosen plugin can run under strace (a survey, or a kill).

export type Backend = 'iptables' | 'nftables';
export type ChainPlugin = 'bridge' | 'portmap';
export const CHAIN_PLUGINS: readonly ChainPlugin[] = ['bridge', 'portmap'];

/** Which plugin's ADD runs under strace, with which strace arguments (ending in "--"). */
export interface Trace {
  readonly plugin: ChainPlugin;
  readonly straceArgs: readonly string[];
}

export interface Chain {
  readonly places: StatePlaces;
  readonly list: NetworkConfigList;
  /** ADD of the whole chain; resolves to the failure message, or undefined when it succeeded. */
  add(containerId: string, trace?: Trace): Promise<string | undefined>;
  /** What a runtime does after a failed or finished pod: DEL of the chain (its failure message, if any). */
  del(containerId: string): Promise<string | undefined>;
  /** GC of the network with no valid attachment (its failure message, if any). */
  gc(): Promise<string | undefined>;
  dispose(): void;
}

export const STRACE = '/usr/bin/strace';
const PORT_MAPPINGS = [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }];

/**
 * `nsenter --net=<node> [strace ...] <plugin>`: lib/testing's netnsSpawner with the strace seam,
 * and nsenter, which costs less than `ip netns exec` (no mount namespace, no /sys remount).
 */
function tracingSpawner(node: TestNamespace, traceOf: (path: string, env: Readonly<Record<string, string>>) => readonly string[]): Spawner {
  return (req) =>
    new Promise((resolve) => {
      const wrap = traceOf(req.path, req.env);
      const argv = [`--net=${node.path}`, '--', ...(wrap.length > 0 ? [STRACE, ...wrap] : []), req.path];
      const child = spawn('nsenter', argv, { env: { ...req.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.stdin.on('error', () => {});
      child.on('error', (e: NodeJS.ErrnoException) => resolve({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: undefined, spawnError: e.code, spawnMessage: e.message }));
      // strace ends with 128+9 for a tracee killed by SIGKILL: report it as a signal death
      child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: code === 137 ? undefined : (code ?? undefined) }));
      child.stdin.end(Buffer.from(req.stdin));
    });
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Creates node and pod namespaces, temporary state dirs and the conflist for one backend. */
export function createChain(backend: Backend, tag: string): Chain {
  const node: TestNamespace = createNamespace(`ks${tag}-node`);
  const pod: TestNamespace = createNamespace(`ks${tag}-pod`);
  const root = mkdtempSync(join(tmpdir(), `cnits-killsteps-${tag}-`));
  const dirs = { ipam: join(root, 'ipam'), portmap: join(root, 'portmap'), cache: join(root, 'cache') };
  for (const d of Object.values(dirs)) mkdirSync(d);
  const list = networkConfFromBytes(
    Buffer.from(
      JSON.stringify({
        cniVersion: '1.1.0',
        name: `killnet-${tag}`,
        plugins: [
          { type: 'bridge', bridge: 'cnikill0', isGateway: true, ipMasq: true, ipMasqBackend: backend, ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24' }]], dataDir: dirs.ipam } },
          { type: 'portmap', backend, stateDir: dirs.portmap, capabilities: { portMappings: true } },
        ],
      }),
    ),
  );
  let trace: Trace | undefined;
  const runtime = new CniRuntime({
    pluginPaths: [DIST_BIN],
    cacheDir: dirs.cache,
    exec: createExec({
      spawner: tracingSpawner(node, (path, env) => (trace && env.CNI_COMMAND === 'ADD' && basename(path) === trace.plugin ? trace.straceArgs : [])),
      stderr: false,
    }),
    env: { PATH: process.env.PATH },
    timeoutMs: 60_000,
  });
  const rt = (containerId: string) => ({ containerId, netns: pod.path, ifname: 'eth0', capabilityArgs: { portMappings: PORT_MAPPINGS } });
  return {
    places: { node, pod, dirs },
    list,
    async add(containerId, t) {
      trace = t;
      try {
        await runtime.addNetworkList(list, rt(containerId));
        return undefined;
      } catch (e) {
        return message(e);
      } finally {
        trace = undefined;
      }
    },
    async del(containerId) {
      return runtime.delNetworkList(list, rt(containerId)).then(() => undefined, message);
    },
    async gc() {
      return runtime.gcNetworkList(list, { validAttachments: [] }).then(() => undefined, message);
    },
    dispose() {
      pod.remove();
      node.remove();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
