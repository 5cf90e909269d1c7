import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DIST_BIN,
  GO_PLUGIN_DIR,
  type PluginCall,
  type PluginOutcome,
  type TestNamespace,
  createNamespace,
  ipJson,
  runPluginBinary,
} from '../../lib/testing/index.ts';

// Test-only: one "node" namespace per test file, a private plugin directory (Go's host-local,
// since ours is written elsewhere, plus scripted IPAM plugins that misbehave on purpose) and
// a private dataDir, so the bridge tests never touch /var/lib/cni or the root namespace.

/** Our built bridge plugin. */
export const OUR_BRIDGE = join(DIST_BIN, 'bridge');
/** Debian's Go bridge (1.1.1: speaks up to 1.0.0). */
export const GO_BRIDGE = join(GO_PLUGIN_DIR, 'bridge');

/** An IPAM plugin that always fails ADD with a CNI error, and succeeds on everything else. */
const FAILING_IPAM = `#!/bin/sh
cat >/dev/null
if [ "$CNI_COMMAND" = ADD ]; then printf '{"cniVersion":"1.0.0","code":11,"msg":"no addresses left, on purpose"}'; exit 1; fi
exit 0
`;

/** An IPAM plugin that "succeeds" with no addresses at all. */
const EMPTY_IPAM = `#!/bin/sh
cat >/dev/null
if [ "$CNI_COMMAND" = ADD ]; then printf '{"cniVersion":"1.0.0","ips":[]}'; fi
exit 0
`;

/** An IPAM plugin that records each command it gets (in recording.log beside it) and succeeds. */
const RECORDING_IPAM = `#!/bin/sh
cat >/dev/null
echo "$CNI_COMMAND" >>"$(dirname "$0")/recording.log"
exit 0
`;

/** The fixture every bridge integration test file builds on. */
export interface BridgeEnv {
  readonly node: TestNamespace;
  /** CNI_PATH: host-local and static (Go's), failing-ipam, empty-ipam, recording-ipam. */
  readonly pluginDir: string;
  readonly dataDir: string;
  /** A bridge config (cniVersion 1.0.0 for Go's host-local, network `net`, 10.77.0.0/24), overridable. */
  conf(extra?: Record<string, unknown>, ipam?: Record<string, unknown> | null): Record<string, unknown>;
  /** Runs our bridge (or `binary`) in the node namespace with this env's CNI_PATH. */
  run(call: Omit<PluginCall, 'node'>, binary?: string): Promise<PluginOutcome>;
  /** A new pod namespace. */
  pod(purpose?: string): TestNamespace;
  /** Reservation files host-local holds (lock and last_reserved_ip.* excluded). */
  ipamFiles(): string[];
  /** Host-side veth names in the node. */
  hostVeths(): string[];
  /** `iptables-save -t nat` (or ip6tables-save) lines of the node that mention `needle`. */
  natLines(needle: string, family?: 4 | 6): string[];
  /** The commands recording-ipam received so far. */
  recorded(): string[];
  /**
   * A wrapper that runs our bridge in a private mount namespace where the given tools are
   * covered by a non-executable empty file, as on a node where they are not installed.
   */
  withoutTools(tools: readonly string[]): string;
  /** `nft -j list ruleset` of the node, parsed. */
  nft(): { nftables: Record<string, any>[] };
  dispose(): void;
}

/** Creates the node namespace and temp directories; call dispose() in afterAll. */
export function createBridgeEnv(purpose: string): BridgeEnv {
  const node = createNamespace(`${purpose}-node`);
  const pluginDir = mkdtempSync(join(tmpdir(), 'cnits-br-plugins-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'cnits-br-data-'));
  for (const ipam of ['host-local', 'static']) symlinkSync(join(GO_PLUGIN_DIR, ipam), join(pluginDir, ipam));
  for (const [name, text] of [['failing-ipam', FAILING_IPAM], ['empty-ipam', EMPTY_IPAM], ['recording-ipam', RECORDING_IPAM]] as const) {
    writeFileSync(join(pluginDir, name), text);
    chmodSync(join(pluginDir, name), 0o755);
  }
  return {
    node,
    pluginDir,
    dataDir,
    conf(extra = {}, ipam = {}) {
      const base: Record<string, unknown> = { cniVersion: '1.0.0', name: 'net', type: 'bridge', bridge: 'br0' };
      if (ipam !== null) base.ipam = { type: 'host-local', subnet: '10.77.0.0/24', dataDir, ...ipam };
      return { ...base, ...extra };
    },
    run(call, binary = OUR_BRIDGE) {
      return runPluginBinary(binary, { path: pluginDir, ...call, node });
    },
    pod(p = 'pod') {
      return createNamespace(`${purpose}-${p}`);
    },
    ipamFiles() {
      const out: string[] = [];
      for (const net of readdirSync(dataDir)) {
        for (const f of readdirSync(join(dataDir, net))) {
          if (f !== 'lock' && !f.startsWith('last_reserved_ip')) out.push(`${net}/${f}`);
        }
      }
      return out;
    },
    hostVeths() {
      return ipJson<{ ifname: string }[]>(node, ['link', 'show', 'type', 'veth']).map((l) => l.ifname).filter((n) => n.startsWith('veth'));
    },
    natLines(needle, family = 4) {
      const r = node.tryExec([family === 4 ? 'iptables-save' : 'ip6tables-save', '-t', 'nat']);
      return r.stdout.split('\n').filter((l) => l.includes(needle));
    },
    recorded() {
      const log = join(pluginDir, 'recording.log');
      return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    },
    withoutTools(tools) {
      const empty = join(pluginDir, 'not-installed');
      writeFileSync(empty, '');
      chmodSync(empty, 0o644);
      const wrapper = join(pluginDir, `bridge-without-${tools.join('-')}`);
      const mounts = tools.map((t) => `mount --bind ${empty} /usr/sbin/${t}`).join(' && ');
      writeFileSync(wrapper, `#!/bin/sh\nexec unshare -m --propagation private sh -c '${mounts} && exec ${OUR_BRIDGE}'\n`);
      chmodSync(wrapper, 0o755);
      return wrapper;
    },
    nft() {
      return JSON.parse(node.exec(['nft', '-j', 'list', 'ruleset'])) as { nftables: Record<string, any>[] };
    },
    dispose() {
      node.remove();
      rmSync(pluginDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The CNI attachment arguments for a pod. */
export function attach(pod: TestNamespace, containerId: string, ifname = 'eth0'): Pick<PluginCall, 'containerId' | 'netns' | 'ifname'> {
  return { containerId, netns: pod.path, ifname };
}

/** The rules of an nft listing, optionally of one table. */
export function nftRules(listing: { nftables: Record<string, any>[] }, table?: string): { table: string; chain: string; comment?: string; expr: unknown[] }[] {
  return listing.nftables.filter((x) => x.rule && (!table || x.rule.table === table)).map((x) => x.rule);
}

/** Whether this kernel's bridge supports VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING); probed in `ns`. */
export function kernelHasVlanFiltering(ns: TestNamespace): boolean {
  const probe = ns.tryExec(['ip', 'link', 'add', 'cnits-vlprobe', 'type', 'bridge', 'vlan_filtering', '1']);
  ns.tryExec(['ip', 'link', 'del', 'cnits-vlprobe']);
  return probe.code === 0;
}
