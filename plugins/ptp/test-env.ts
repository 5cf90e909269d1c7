import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_BIN, GO_PLUGIN_DIR, type PluginCall, type PluginOutcome, type TestNamespace, createNamespace, ipJson, runPluginBinary } from '../../lib/testing/index.ts';

// Test-only: one "node" namespace per test file, our built host-local as IPAM (CNI_PATH is
// dist/bin, for Go's ptp too) and a private dataDir, so the ptp tests never touch /var/lib/cni
// or the root namespace.

/** Our built ptp plugin. */
export const OUR_PTP = join(DIST_BIN, 'ptp');
/** Debian's Go ptp (1.1.1: speaks up to 1.0.0). */
export const GO_PTP = join(GO_PLUGIN_DIR, 'ptp');

/** The fixture every ptp integration test file builds on. */
export interface PtpEnv {
  readonly node: TestNamespace;
  readonly dataDir: string;
  /** A ptp config (cniVersion 1.0.0 for Go's ptp), with host-local on the given ranges. */
  conf(name: string, ranges: readonly string[], extra?: Record<string, unknown>): Record<string, unknown>;
  /** Runs our ptp (or `binary`) in the node namespace. */
  run(call: Omit<PluginCall, 'node'>, binary?: string): Promise<PluginOutcome>;
  pod(purpose: string): TestNamespace;
  /** Reservation files host-local holds (only those named by an address). */
  ipamFiles(): string[];
  /** Host-side veth names in the node. */
  hostVeths(): string[];
  /** The node's global addresses as `ip/prefix dev`. */
  hostAddresses(): string[];
  /** The node's routes of one family as `ip route` prints them (dst and dev). */
  hostRoutes(family: 4 | 6): string[];
  /** `iptables-save -t nat` (or ip6tables-save) lines of the node that mention `needle`. */
  natLines(needle: string, family?: 4 | 6): string[];
  /** The node's nft rules of the masquerade table whose comment mentions `needle`. */
  nftMasqRules(needle: string): unknown[];
  dispose(): void;
}

/** Creates the node namespace and the IPAM data directory; call dispose() in afterAll. */
export function createPtpEnv(purpose: string): PtpEnv {
  const node = createNamespace(`${purpose}-node`);
  const dataDir = mkdtempSync(join(tmpdir(), 'cnits-ptp-data-'));
  return {
    node,
    dataDir,
    conf(name, ranges, extra = {}) {
      const routes = ranges.map((r) => ({ dst: r.includes(':') ? '::/0' : '0.0.0.0/0' }));
      return { cniVersion: '1.0.0', name, type: 'ptp', ipam: { type: 'host-local', dataDir, ranges: ranges.map((subnet) => [{ subnet }]), routes }, ...extra };
    },
    run(call, binary = OUR_PTP) {
      return runPluginBinary(binary, { path: DIST_BIN, ...call, node });
    },
    pod(p) {
      return createNamespace(`${purpose}-${p}`);
    },
    ipamFiles() {
      const out: string[] = [];
      for (const net of readdirSync(dataDir)) {
        for (const f of readdirSync(join(dataDir, net))) if (/^[0-9a-f.:]+$/i.test(f) && /[.:]/.test(f)) out.push(`${net}/${f}`);
      }
      return out;
    },
    hostVeths() {
      return ipJson<{ ifname: string }[]>(node, ['link', 'show', 'type', 'veth']).map((l) => l.ifname).filter((n) => n.startsWith('veth'));
    },
    hostAddresses() {
      const links = ipJson<{ ifname: string; addr_info: { local: string; prefixlen: number; scope: string }[] }[]>(node, ['addr', 'show']);
      return links.flatMap((l) => l.addr_info.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen} ${l.ifname}`));
    },
    hostRoutes(family) {
      return ipJson<{ dst: string; dev?: string }[]>(node, [`-${family}`, 'route', 'show']).map((r) => `${r.dst} ${r.dev ?? ''}`.trim());
    },
    natLines(needle, family = 4) {
      const r = node.tryExec([family === 4 ? 'iptables-save' : 'ip6tables-save', '-t', 'nat']);
      return r.stdout.split('\n').filter((l) => l.includes(needle));
    },
    nftMasqRules(needle) {
      const listing = JSON.parse(node.tryExec(['nft', '-j', 'list', 'ruleset']).stdout || '{"nftables":[]}') as { nftables: Record<string, any>[] };
      return listing.nftables.filter((x) => x.rule?.table === 'cni_plugins_masquerade' && String(x.rule.comment ?? '').includes(needle));
    },
    dispose() {
      node.remove();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The CNI attachment arguments for a pod. */
export function attach(pod: TestNamespace, containerId: string, ifname = 'eth0'): Pick<PluginCall, 'containerId' | 'netns' | 'ifname'> {
  return { containerId, netns: pod.path, ifname };
}

/** Pings `to` once from `from`; the exit code (0: answered within 1 s). */
export function ping(from: TestNamespace, to: string): number {
  // one probe, answered within 1 s: the first packet to a new pod must get through at once; the
  // stall of issue 20 (a neighbour solicitation skipped while the host veth's fe80:: address was
  // tentative) took 1-2 s and fails this (tests/first-packet.int.test.ts times it)
  return from.tryExec(['ping', '-c', '1', '-W', '1', to]).code;
}
