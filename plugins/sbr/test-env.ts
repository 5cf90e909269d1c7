import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_BIN, GO_PLUGIN_DIR, type PluginOutcome, type TestNamespace, createNamespace, ipJson, runPluginBinary } from '../../lib/testing/index.ts';

// Test-only: a throwaway node namespace, pods attached by our built ptp with host-local (state
// in a private directory), and sbr chained after it, so nothing touches /var/lib/cni or the
// root namespace.

export const OUR_SBR = join(DIST_BIN, 'sbr');
/** Debian's Go sbr (1.1.1: no `table` key; spec up to 1.0.0). */
export const GO_SBR = join(GO_PLUGIN_DIR, 'sbr');

/** One interface attached by ptp: its result is sbr's prevResult. */
export interface Attachment {
  readonly pod: TestNamespace;
  readonly containerId: string;
  readonly ifname: string;
  readonly network: string;
  readonly prevResult: Record<string, any>;
}

/** A rule as `ip -j rule` prints it. */
export interface IpRule {
  priority: number;
  src?: string;
  srclen?: number;
  table: string;
}

export interface SbrEnv {
  readonly node: TestNamespace;
  pod(purpose: string): TestNamespace;
  /** Attaches `ifname` of `pod` with our ptp on network `network` (its own subnets), at `version`. */
  attach(pod: TestNamespace, opts: { network: string; subnets: readonly string[]; ifname?: string; version?: string; containerId?: string }): Promise<Attachment>;
  /** An sbr config for the attachment (its prevResult unless `prevResult: false`). */
  conf(a: Attachment, extra?: Record<string, unknown>, opts?: { version?: string; prevResult?: boolean }): Record<string, unknown>;
  /** Runs sbr (ours unless `binary`) for the attachment, inside the node namespace. */
  run(command: string, config: Record<string, unknown>, a: Attachment, opts?: { binary?: string; netns?: string }): Promise<PluginOutcome>;
  /** Removes the attachment with ptp DEL. */
  detach(a: Attachment): Promise<void>;
  /** The pod's rules of both families that have a source, as `ip rule` prints them: "10.0.0.5 lookup 100". */
  rules(pod: TestNamespace): string[];
  /** The pod's routes of a table (both families) as "dst [via gw] dev". */
  table(pod: TestNamespace, table: string | number): string[];
  dispose(): void;
}

/** Routes as `ip -j route` gives them (the fields read here). */
interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
}

export function createSbrEnv(purpose: string): SbrEnv {
  const node = createNamespace(`${purpose}-node`);
  const state = mkdtempSync(join(tmpdir(), 'cnits-sbr-'));
  const pods: TestNamespace[] = [];
  const ptpConf = (network: string, subnets: readonly string[], version: string) => ({
    cniVersion: version,
    name: network,
    type: 'ptp',
    ipam: {
      type: 'host-local',
      dataDir: join(state, 'ipam'),
      ranges: subnets.map((subnet) => [{ subnet }]),
      routes: subnets.map((s) => ({ dst: s.includes(':') ? '::/0' : '0.0.0.0/0' })),
    },
  });
  const attachments = new Map<Attachment, Record<string, unknown>>();
  const ptp = (command: string, config: Record<string, unknown>, a: { pod: TestNamespace; containerId: string; ifname: string }) =>
    runPluginBinary(join(DIST_BIN, 'ptp'), { command, config, containerId: a.containerId, netns: a.pod.path, ifname: a.ifname, node, path: DIST_BIN });
  return {
    node,
    pod(p) {
      const pod = createNamespace(`${purpose}-${p}`);
      pods.push(pod);
      return pod;
    },
    async attach(pod, { network, subnets, ifname = 'eth0', version = '1.0.0', containerId = pod.name }) {
      const config = ptpConf(network, subnets, version);
      const add = await ptp('ADD', config, { pod, containerId, ifname });
      if (add.code !== 0) throw new Error(`ptp ADD failed: ${add.stdout}${add.stderr}`);
      const a = { pod, containerId, ifname, network, prevResult: add.json };
      attachments.set(a, config);
      return a;
    },
    conf(a, extra = {}, opts = {}) {
      const version = opts.version ?? a.prevResult.cniVersion;
      return { cniVersion: version, name: a.network, type: 'sbr', ...(opts.prevResult === false ? {} : { prevResult: a.prevResult }), ...extra };
    },
    run(command, config, a, opts = {}) {
      return runPluginBinary(opts.binary ?? OUR_SBR, { command, config, containerId: a.containerId, netns: opts.netns ?? a.pod.path, ifname: a.ifname, node, path: DIST_BIN });
    },
    async detach(a) {
      const config = attachments.get(a);
      if (!config) return;
      const del = await ptp('DEL', config, a);
      if (del.code !== 0) throw new Error(`ptp DEL failed: ${del.stdout}${del.stderr}`);
      attachments.delete(a);
    },
    rules(pod) {
      const all = [...ipJson<IpRule[]>(pod, ['-4', 'rule', 'show']), ...ipJson<IpRule[]>(pod, ['-6', 'rule', 'show'])];
      return all.filter((r) => r.src !== undefined && r.src !== 'all').map((r) => `${r.src}${r.srclen === undefined || r.srclen === 32 || r.srclen === 128 ? '' : `/${r.srclen}`} lookup ${r.table}`);
    },
    table(pod, table) {
      const show = (family: string) => {
        const r = pod.tryExec(['ip', '-j', family, 'route', 'show', 'table', String(table)]);
        return r.code === 0 ? (JSON.parse(r.stdout || '[]') as IpRoute[]) : []; // an IPv4 table that never existed is an error to ip
      };
      return [...show('-4'), ...show('-6')].map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} ${r.dev ?? ''}`.trim());
    },
    dispose() {
      for (const p of pods) p.remove();
      node.remove();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
