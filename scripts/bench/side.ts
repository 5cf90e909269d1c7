/**
 * One side of the comparison (ours or Go): its node namespace, its networks (own bridge,
 * subnet, network names, dataDir, cache dir and hostPort range), and a CniRuntime from our
 * runtime library whose plugin execs are born in the node namespace. Only CNI_PATH differs
 * between the sides' runtimes.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Netns, openNetns } from '../../lib/netns/index.ts';
import { CniRuntime, type NetworkConfigList, networkConfFromBytes } from '../../lib/runtime/index.ts';
import { ExecLog, StderrTail, benchExec } from './exec.ts';

export type SideName = 'ours' | 'go';

/** What bench.mjs hands the driver. */
export interface SideSetup {
  readonly name: SideName;
  /** CNI_PATH: dist/bin or /usr/lib/cni. */
  readonly pluginDir: string;
  /** The node namespace's name under /run/netns. */
  readonly nodeNs: string;
}

/** Spec version of every list: the newest both sides support (Go 1.1.1 stops at 1.0.0). */
export const CNI_VERSION = '1.0.0';
/** Plugins get a fixed environment: only PATH (both sides need it to find iptables and the like). */
const PLUGIN_ENV = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
/** A plugin stuck for this long fails its pod instead of hanging the bench. */
const PLUGIN_TIMEOUT_MS = 120_000;

/**
 * The second octet of each side's subnets: podnet, [bridge] list, [host-local] list, the
 * 1,000-reserved list, [ptp] and [static] lists. The chained lists ([bridge, portmap], tuning,
 * firewall, bandwidth) take bridge + 10, + 20, + 30, + 40.
 */
const OCTETS: Record<SideName, { pod: number; bridge: number; ipam: number; full: number; ptp: number; static: number; port: number }> = {
  ours: { pod: 213, bridge: 211, ipam: 210, full: 215, ptp: 225, static: 227, port: 20000 },
  go: { pod: 214, bridge: 212, ipam: 216, full: 217, ptp: 226, static: 228, port: 30000 },
};

/** The bandwidth list's shaping, as containerd passes it (PascalCase keys): 10 Mbit/s each way, 1 Mbit bursts. */
export const BENCH_BANDWIDTH = { IngressRate: 10_000_000, IngressBurst: 1_000_000, EgressRate: 10_000_000, EgressBurst: 1_000_000 };

export class Side {
  readonly name: SideName;
  readonly pluginDir: string;
  readonly nodeNs: string;
  readonly node: Netns;
  readonly log = new ExecLog();
  readonly stderr = new StderrTail();
  readonly runtime: CniRuntime;
  /** The same, with every plugin run under /usr/bin/time for its peak RSS. */
  readonly rssRuntime: CniRuntime;
  readonly dirs: { readonly ipam: string; readonly cache: string; readonly portmapState: string; readonly firewallState: string; readonly tuningData: string; readonly rssCache: string };
  /** The pod networks, as a CRI runtime has them. */
  readonly lo: NetworkConfigList;
  readonly podnet: NetworkConfigList;
  /** Lists of one plugin (bridge first for the chained ones: portmap, tuning, firewall, bandwidth) for the per-plugin rows. */
  readonly lists: {
    readonly loopback: NetworkConfigList;
    readonly hostLocal: NetworkConfigList;
    readonly hostLocalFull: NetworkConfigList;
    readonly bridge: NetworkConfigList;
    readonly portmap: NetworkConfigList;
    readonly ptp: NetworkConfigList;
    readonly static: NetworkConfigList;
    readonly tuning: NetworkConfigList;
    readonly firewall: NetworkConfigList;
    readonly bandwidth: NetworkConfigList;
  };
  /** "10.213." : every pod address must start with it. */
  readonly podPrefix: string;
  readonly podSubnet: string;
  readonly hostPortBase: number;
  readonly #id: string;

  constructor(setup: SideSetup, id: string, state: string) {
    this.name = setup.name;
    this.pluginDir = setup.pluginDir;
    this.nodeNs = setup.nodeNs;
    this.#id = id;
    this.node = openNetns(`/run/netns/${setup.nodeNs}`);
    const base = join(state, setup.name);
    this.dirs = { ipam: join(base, 'ipam'), cache: join(base, 'cache'), portmapState: join(base, 'portmap'), firewallState: join(base, 'firewall'), tuningData: join(base, 'tuning'), rssCache: join(base, 'cache-rss') };
    const scratch = join(base, 'rss');
    for (const d of [...Object.values(this.dirs), scratch]) mkdirSync(d, { recursive: true });
    const o = OCTETS[setup.name];
    this.podSubnet = `10.${o.pod}.0.0/16`;
    this.podPrefix = `10.${o.pod}.`;
    this.hostPortBase = o.port;
    const options = { pluginPaths: [setup.pluginDir], env: PLUGIN_ENV, timeoutMs: PLUGIN_TIMEOUT_MS };
    this.runtime = new CniRuntime({ ...options, cacheDir: this.dirs.cache, exec: benchExec(this.node, this.log, this.stderr) });
    this.rssRuntime = new CniRuntime({ ...options, cacheDir: this.dirs.rssCache, exec: benchExec(this.node, this.log, this.stderr, scratch) });

    const ipam = (octet: number, extra: Record<string, unknown> = {}) => ({
      type: 'host-local',
      subnet: `10.${octet}.0.0/16`,
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: this.dirs.ipam,
      ...extra,
    });
    const bridge = (name: string, octet: number) => ({ type: 'bridge', bridge: name, isGateway: true, ipMasq: true, ipam: ipam(octet) });
    const portmap = { type: 'portmap', capabilities: { portMappings: true }, stateDir: this.dirs.portmapState };
    const list = (name: string, plugins: Record<string, unknown>[]) =>
      networkConfFromBytes(Buffer.from(JSON.stringify({ cniVersion: CNI_VERSION, name, plugins })));
    const s = setup.name;
    this.lo = list(`benchlo-${s}`, [{ type: 'loopback' }]);
    this.podnet = list(`benchpod-${s}`, [bridge(`cnitsp-${s}`, o.pod), portmap]);
    this.lists = {
      loopback: list(`benchlo1-${s}`, [{ type: 'loopback' }]),
      hostLocal: list(`benchipam-${s}`, [{ type: 'host-local', ipam: ipam(o.ipam) }]),
      hostLocalFull: list(`benchipamfull-${s}`, [{ type: 'host-local', ipam: ipam(o.full) }]),
      bridge: list(`benchbr-${s}`, [bridge(`cnitsb-${s}`, o.bridge)]),
      portmap: list(`benchpm-${s}`, [bridge(`cnitsm-${s}`, o.bridge + 10), portmap]),
      ptp: list(`benchptp-${s}`, [{ type: 'ptp', ipMasq: true, mtu: 1500, ipam: ipam(o.ptp) }]),
      // static run as its own plugin, as host-local's row: an interface plugin of ours runs its
      // IPAM in process, so only a standalone exec times static on both sides.
      static: list(`benchstatic-${s}`, [
        { type: 'static', ipam: { type: 'static', addresses: [{ address: `10.${o.static}.0.2/16`, gateway: `10.${o.static}.0.1` }], routes: [{ dst: '0.0.0.0/0' }] } },
      ]),
      // a sysctl and an MTU: the MTU makes tuning save the original to dataDir, as a MAC would
      tuning: list(`benchtun-${s}`, [
        bridge(`cnitst-${s}`, o.bridge + 20),
        { type: 'tuning', mtu: 1400, sysctl: { 'net.ipv4.conf.eth0.arp_filter': '1' }, dataDir: this.dirs.tuningData },
      ]),
      firewall: list(`benchfw-${s}`, [bridge(`cnitsf-${s}`, o.bridge + 30), { type: 'firewall', backend: 'iptables', stateDir: this.dirs.firewallState }]),
      bandwidth: list(`benchbw-${s}`, [bridge(`cnitsw-${s}`, o.bridge + 40), { type: 'bandwidth', capabilities: { bandwidth: true } }]),
    };
  }

  /** The second octet of the host-local list that gets 1,000 reservations. */
  get fullOctet(): number {
    return OCTETS[this.name].full;
  }

  podName(n: number): string {
    return `cnits-bench-pod-${this.name}-${n}-${this.#id}`;
  }

  podPath(n: number): string {
    return `/run/netns/${this.podName(n)}`;
  }

  /** Like a containerd sandbox ID: 64 hex, here the sha256 of the pod's netns name. */
  containerId(n: number): string {
    return sha256(this.podName(n));
  }

  /** A container ID for round `i` of a per-plugin workload. */
  roundId(what: string, i: number): string {
    return sha256(`cnits-bench-${what}-${this.name}-${i}-${this.#id}`);
  }

  portMappings(n: number): { portMappings: { hostPort: number; containerPort: number; protocol: string }[] } {
    return { portMappings: [{ hostPort: this.hostPortBase + n, containerPort: 80, protocol: 'tcp' }] };
  }

  close(): void {
    this.node.close();
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The pod namespaces this driver made; bench.mjs sweeps everything with the run's id too. */
export class PodNamespaces {
  readonly #made = new Set<string>();

  /** Creates the pod namespaces 1..count of these sides that do not exist yet (one `ip -batch`). */
  ensure(sides: readonly Side[], count: number): void {
    const missing: string[] = [];
    for (const side of sides) {
      for (let n = 1; n <= count; n++) if (!this.#made.has(side.podName(n))) missing.push(side.podName(n));
    }
    if (missing.length === 0) return;
    const r = spawnSync('ip', ['-batch', '-'], { input: missing.map((m) => `netns add ${m}\n`).join(''), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip netns add failed: ${r.stderr}`);
    for (const m of missing) this.#made.add(m);
  }

  /** Deletes every pod namespace made here. */
  deleteAll(): void {
    if (this.#made.size === 0) return;
    const input = [...this.#made].map((m) => `netns del ${m}\n`).join('');
    spawnSync('ip', ['-force', '-batch', '-'], { input, stdio: ['pipe', 'ignore', 'ignore'] });
    this.#made.clear();
  }
}
