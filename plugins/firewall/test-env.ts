import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DIST_BIN,
  GO_PLUGIN_DIR,
  type PluginOutcome,
  type TestNamespace,
  createNamespace,
  runPluginBinary,
} from '../../lib/testing/index.ts';

// Test-only: one throwaway "node" namespace holding two bridges (networks), pods attached by
// our built bridge and host-local, and the firewall plugin (ours or Go's) chained after them.
// Nothing runs in, or changes, the root namespace.

export const OUR_FIREWALL = join(DIST_BIN, 'firewall');
/** Debian's Go firewall (1.1.1: speaks 0.4.0 to 1.0.0, backend iptables/firewalld only). */
export const GO_FIREWALL = join(GO_PLUGIN_DIR, 'firewall');

/** One of the two test networks. */
export interface TestNet {
  readonly name: string;
  readonly bridge: string;
  readonly subnet: string;
  /** The gateway (the bridge's address on the node). */
  readonly gateway: string;
}

/** A pod attached to one network: its namespace, container ID, address and the bridge's result. */
export interface TestPod {
  readonly ns: TestNamespace;
  readonly net: TestNet;
  readonly containerId: string;
  readonly ip: string;
  readonly result: Record<string, unknown>;
}

export interface FirewallEnv {
  readonly node: TestNamespace;
  readonly nets: readonly [TestNet, TestNet];
  /** Attaches a new pod to `net` with our bridge (cniVersion `version`). */
  pod(net: TestNet, containerId: string, version?: string): Promise<TestPod>;
  /** The firewall config for `pod` (its bridge result as prevResult unless `prev` is false). */
  conf(pod: TestPod, extra?: Record<string, unknown>, prev?: boolean): Record<string, unknown>;
  /** The firewall's records (a temporary directory): every run gets it as `stateDir` unless its config names one. */
  readonly stateDir: string;
  /** Runs a firewall (ours unless `binary`) for `pod` in the node. */
  firewall(command: string, pod: TestPod, config: Record<string, unknown>, binary?: string): Promise<PluginOutcome>;
  /** Whether `from` gets an answer to one ping of `to` (an address). */
  reaches(from: TestPod, to: string): boolean;
  /** `iptables-save -t filter` lines of the node (or ip6tables). */
  filterLines(family?: 4 | 6): string[];
  /** `nft list table inet cni_plugins_firewall` text ('' when absent). */
  nftTable(): string;
  dispose(): void;
}

const NETS: readonly [TestNet, TestNet] = [
  { name: 'fwnet-a', bridge: 'br-fwa', subnet: '10.91.1.0/24', gateway: '10.91.1.1' },
  { name: 'fwnet-b', bridge: 'br-fwb', subnet: '10.91.2.0/24', gateway: '10.91.2.1' },
];

/** Creates the node namespace (forwarding on) and the IPAM data dir; call dispose() in afterAll. */
export function createFirewallEnv(purpose: string): FirewallEnv {
  const node = createNamespace(`${purpose}-node`);
  node.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  const dataDir = mkdtempSync(join(tmpdir(), 'cnits-fw-data-'));
  const stateDir = join(dataDir, 'firewall-state');
  const pods: TestNamespace[] = [];
  const run = (binary: string, command: string, pod: TestPod | { ns: TestNamespace; containerId: string }, config: unknown) =>
    runPluginBinary(binary, { command, config, containerId: pod.containerId, netns: pod.ns.path, ifname: 'eth0', path: DIST_BIN, node });
  return {
    node,
    nets: NETS,
    async pod(net, containerId, version = '1.0.0') {
      const ns = createNamespace(`${purpose}-${containerId}`.slice(0, 20));
      pods.push(ns);
      const config = {
        cniVersion: version,
        name: net.name,
        type: 'bridge',
        bridge: net.bridge,
        isGateway: true,
        ipam: { type: 'host-local', subnet: net.subnet, dataDir, routes: [{ dst: '0.0.0.0/0' }] },
      };
      const add = await run(join(DIST_BIN, 'bridge'), 'ADD', { ns, containerId }, config);
      if (add.code !== 0) throw new Error(`bridge ADD failed: ${add.stdout}${add.stderr}`);
      const result = add.json as Record<string, unknown>;
      const address = ((result.ips as { address: string }[] | undefined)?.[0]?.address ?? (result.ip4 as { ip: string }).ip) as string;
      return { ns, net, containerId, ip: address.split('/')[0] as string, result };
    },
    conf(pod, extra = {}, prev = true) {
      const version = (pod.result.cniVersion as string | undefined) ?? '1.0.0';
      return { cniVersion: version, name: pod.net.name, type: 'firewall', ...(prev ? { prevResult: pod.result } : {}), ...extra };
    },
    stateDir,
    firewall(command, pod, config, binary = OUR_FIREWALL) {
      return run(binary, command, pod, { stateDir, ...config });
    },
    reaches(from, to) {
      return from.ns.tryExec(['ping', '-c', '1', '-W', '1', to]).code === 0;
    },
    filterLines(family = 4) {
      return node.exec([family === 4 ? 'iptables-save' : 'ip6tables-save', '-t', 'filter']).split('\n').filter((l) => l.startsWith('-A') || l.startsWith(':'));
    },
    nftTable() {
      return node.tryExec(['nft', 'list', 'table', 'inet', 'cni_plugins_firewall']).stdout;
    },
    dispose() {
      for (const p of pods) p.remove();
      node.remove();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
