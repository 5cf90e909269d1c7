/**
 * A throwaway node for the storm and the soak: one node namespace, temporary state roots,
 * one network [bridge (host-local, ipMasq), portmap] on one firewall backend, pod namespaces,
 * and a CniRuntime from our runtime library whose plugin execs are born in the node namespace
 * (the bench's own exec path, scripts/bench/exec.ts). A "pod" is one pod namespace and one
 * container ID, attached as eth0 with one port mapping; the soak reuses a few pod namespaces
 * with a fresh container ID each cycle, as a runtime recreating a sandbox would.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyResult } from '../../../lib/cni/index.ts';
import { type Netns, openNetns } from '../../../lib/netns/index.ts';
import { CniRuntime, type NetworkConfigList, networkConfFromBytes } from '../../../lib/runtime/index.ts';
import { ExecLog, StderrTail, benchExec } from '../exec.ts';
import type { StateScope } from './node-state.ts';

export type FirewallBackend = 'iptables' | 'nftables';

export interface StormNodeOptions {
  /** CNI_PATH: dist/bin, or /usr/lib/cni for Go's plugins (which know neither backend field). */
  readonly pluginDir: string;
  readonly backend: FirewallBackend;
  /** Every namespace name starts with it (bench.mjs sweeps `cnits-bench-*-<id>`). */
  readonly namePrefix: string;
  /** And ends with it. */
  readonly nameSuffix: string;
  /** Where the state roots go (a directory the caller removes anyway). @default os.tmpdir() */
  readonly stateParent?: string | undefined;
}

/** Spec version of the list: the newest Go's 1.1.1 plugins support too. */
const CNI_VERSION = '1.0.0';
const NETWORK = 'storm';
const PLUGIN_ENV = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
/** A plugin stuck this long fails its pod rather than hanging the run. */
const PLUGIN_TIMEOUT_MS = 120_000;
/** The first host port; pod n maps HOST_PORT_BASE + n (n < 40,000). */
const HOST_PORT_BASE = 20_000;

export class StormNode {
  readonly options: StormNodeOptions;
  readonly nodeNs: string;
  readonly node: Netns;
  readonly dirs: { readonly root: string; readonly ipam: string; readonly portmap: string; readonly cache: string };
  readonly runtime: CniRuntime;
  readonly network: NetworkConfigList;
  readonly stderr = new StderrTail();
  readonly #log = new ExecLog();
  readonly #pods = new Set<string>();
  #removed = false;

  constructor(options: StormNodeOptions) {
    this.options = options;
    this.nodeNs = `${options.namePrefix}-node-${options.backend}-${options.nameSuffix}`;
    ip(['netns', 'add', this.nodeNs]);
    try {
      ip(['-n', this.nodeNs, 'link', 'set', 'lo', 'up']);
      this.node = openNetns(`/run/netns/${this.nodeNs}`);
    } catch (e) {
      ip(['netns', 'del', this.nodeNs]);
      throw e;
    }
    const root = mkdtempSync(join(options.stateParent ?? tmpdir(), 'cni-ts-storm-'));
    this.dirs = { root, ipam: join(root, 'ipam'), portmap: join(root, 'portmap'), cache: join(root, 'cache') };
    for (const d of [this.dirs.ipam, this.dirs.portmap, this.dirs.cache]) mkdirSync(d);
    this.runtime = new CniRuntime({
      pluginPaths: [options.pluginDir],
      cacheDir: this.dirs.cache,
      env: PLUGIN_ENV,
      timeoutMs: PLUGIN_TIMEOUT_MS,
      exec: benchExec(this.node, this.#log, this.stderr),
    });
    const conflist = {
      cniVersion: CNI_VERSION,
      name: NETWORK,
      plugins: [
        {
          type: 'bridge',
          bridge: 'cnistorm0',
          isGateway: true,
          ipMasq: true,
          ipMasqBackend: options.backend,
          ipam: { type: 'host-local', subnet: '10.77.0.0/16', routes: [{ dst: '0.0.0.0/0' }], dataDir: this.dirs.ipam },
        },
        { type: 'portmap', capabilities: { portMappings: true }, backend: options.backend, stateDir: this.dirs.portmap },
      ],
    };
    this.network = networkConfFromBytes(Buffer.from(JSON.stringify(conflist)));
  }

  /** What a snapshot of this node looks at. */
  get scope(): StateScope {
    return { nodeNs: this.nodeNs, stateRoots: [this.dirs.ipam, this.dirs.portmap, this.dirs.cache], pluginDir: this.options.pluginDir };
  }

  /** The reservation files of the network right now (host-local's `<dataDir>/<network>/<ip>`). */
  reservations(): string[] {
    const dir = join(this.dirs.ipam, NETWORK);
    return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f) || f.includes(':')) : [];
  }

  /** The veths in the node namespace right now. */
  veths(): number {
    const r = spawnSync('ip', ['-n', this.nodeNs, '-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' });
    return (r.stdout ?? '').split('\n').filter(Boolean).length;
  }

  podNs(n: number): string {
    return `${this.options.namePrefix}-pod-${this.options.backend.slice(0, 2)}-${n}-${this.options.nameSuffix}`;
  }

  /** Creates pod namespaces 1..count that do not exist yet, in one `ip -batch`. */
  ensurePods(count: number): void {
    const missing: string[] = [];
    for (let n = 1; n <= count; n++) if (!this.#pods.has(this.podNs(n))) missing.push(this.podNs(n));
    if (missing.length === 0) return;
    const r = spawnSync('ip', ['-batch', '-'], { input: missing.map((m) => `netns add ${m}\n`).join(''), encoding: 'utf8' });
    for (const m of missing) this.#pods.add(m);
    if (r.status !== 0) throw new Error(`ip netns add failed: ${r.stderr}`);
  }

  /** A containerd-like sandbox ID (64 hex) for pod n in round `round`. */
  containerId(n: number, round = 0): string {
    return createHash('sha256').update(`${this.nodeNs}/${n}/${round}`).digest('hex');
  }

  #conf(n: number, round: number, pod: number) {
    return {
      containerId: this.containerId(n, round),
      netns: `/run/netns/${this.podNs(pod)}`,
      ifname: 'eth0',
      capabilityArgs: { portMappings: [{ hostPort: HOST_PORT_BASE + n, containerPort: 80, protocol: 'tcp' }] },
    };
  }

  /** ADD of pod n (in pod namespace `pod`, default n): its IP addresses. */
  async add(n: number, round = 0, pod = n): Promise<string[]> {
    const conf = this.#conf(n, round, pod);
    try {
      const result: AnyResult = await this.runtime.addNetworkList(this.network, conf);
      const ips = ((result as { ips?: { address: string }[] }).ips ?? []).map((i) => i.address.split('/')[0] as string);
      if (ips.length === 0) throw new Error(`no address in the result: ${JSON.stringify(result).slice(0, 300)}`);
      return ips;
    } finally {
      this.#log.take(conf.containerId);
    }
  }

  async del(n: number, round = 0, pod = n): Promise<void> {
    const conf = this.#conf(n, round, pod);
    try {
      await this.runtime.delNetworkList(this.network, conf);
    } finally {
      this.#log.take(conf.containerId);
    }
  }

  /** Removes the pods, the node and the state (idempotent; also after a failure). */
  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    const all = [...this.#pods, this.nodeNs].map((m) => `netns del ${m}\n`).join('');
    spawnSync('ip', ['-force', '-batch', '-'], { input: all, stdio: ['pipe', 'ignore', 'ignore'] });
    this.#pods.clear();
    this.node.close();
    rmSync(this.dirs.root, { recursive: true, force: true });
  }
}

function ip(argv: readonly string[]): void {
  const r = spawnSync('ip', argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${argv.join(' ')}: ${(r.stderr ?? '').trim()}`);
}
