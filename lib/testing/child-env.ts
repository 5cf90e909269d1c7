import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_BIN, GO_PLUGIN_DIR, type PluginCall, type PluginOutcome, type TestNamespace, createNamespace, ipJson, runPluginBinary } from './index.ts';

// Test-only (macvlan, ipvlan; later vlan): one "node" namespace per test file with a veth pair (up0 <-> up0p, both ends in
// the node, both up) as the master, our built host-local as IPAM (CNI_PATH is dist/bin, for
// Go's plugins too) and a private dataDir, so the tests never touch /var/lib/cni or the root
// namespace. A veth has carrier once both ends are up, so macvlans on it pass traffic.

/** Our built macvlan and ipvlan, and Debian's Go ones (1.1.1: speak up to 1.0.0). */
export const OURS = { macvlan: join(DIST_BIN, 'macvlan'), ipvlan: join(DIST_BIN, 'ipvlan') } as const;
export const GO = { macvlan: join(GO_PLUGIN_DIR, 'macvlan'), ipvlan: join(GO_PLUGIN_DIR, 'ipvlan') } as const;

/** The master every test uses unless it says otherwise. */
export const MASTER = 'up0';

/** The fixture of a child-link plugin's integration tests. */
export interface ChildEnv {
  readonly node: TestNamespace;
  readonly dataDir: string;
  /** A config (cniVersion 1.0.0, so Go's plugin takes it too), master up0, host-local on `subnet` (none: no ipam). */
  conf(type: 'macvlan' | 'ipvlan', name: string, subnet: string | undefined, extra?: Record<string, unknown>): Record<string, unknown>;
  run(binary: string, call: Omit<PluginCall, 'node'>): Promise<PluginOutcome>;
  pod(purpose: string): TestNamespace;
  /** Reservation files host-local holds (only those named by an address), of one network or all. */
  ipamFiles(network?: string): string[];
  /** The names of the links in a namespace. */
  links(ns: TestNamespace): string[];
  dispose(): void;
}

/** Creates the node namespace with its master veth, and the IPAM data directory; call dispose() in afterAll. */
export function createChildEnv(purpose: string): ChildEnv {
  const node = createNamespace(`${purpose}-node`);
  node.exec(['ip', 'link', 'add', MASTER, 'type', 'veth', 'peer', 'name', `${MASTER}p`]);
  node.exec(['ip', 'link', 'set', MASTER, 'up']);
  node.exec(['ip', 'link', 'set', `${MASTER}p`, 'up']);
  const dataDir = mkdtempSync(join(tmpdir(), `cnits-${purpose}-data-`));
  return {
    node,
    dataDir,
    conf(type, name, subnet, extra = {}) {
      const ipam = subnet ? { ipam: { type: 'host-local', dataDir, ranges: [[{ subnet }]], routes: [{ dst: subnet.includes(':') ? '::/0' : '0.0.0.0/0' }] } } : {};
      return { cniVersion: '1.0.0', name, type, master: MASTER, ...ipam, ...extra };
    },
    run(binary, call) {
      return runPluginBinary(binary, { path: DIST_BIN, ...call, node });
    },
    pod(p) {
      return createNamespace(`${purpose}-${p}`);
    },
    ipamFiles(network) {
      const out: string[] = [];
      for (const net of readdirSync(dataDir)) {
        if (network !== undefined && net !== network) continue;
        for (const f of readdirSync(join(dataDir, net))) if (/^[0-9a-f.:]+$/i.test(f) && /[.:]/.test(f)) out.push(`${net}/${f}`);
      }
      return out;
    },
    links(ns) {
      return ipJson<{ ifname: string }[]>(ns, ['link', 'show']).map((l) => l.ifname);
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

/** Pings `to` from `from` until the first answer (4 s at most); the exit code (0: answered). */
export function ping(from: TestNamespace, to: string): number {
  return from.tryExec(['ping', '-c', '1', '-i', '0.3', '-w', '4', to]).code;
}

/** What `ip -d -j link show` says of one link. */
export interface LinkDetails {
  readonly kind: string | undefined;
  readonly mode: string | undefined;
  /** The parent's ifindex when it is in another namespace. */
  readonly link_index: number | undefined;
  /** The parent's name when it is in the same namespace. */
  readonly link: string | undefined;
  readonly mtu: number;
  readonly address: string;
  readonly operstate: string;
}

/** `ip -d -j link show` of one link: its kind and mode, parent, MTU and MAC. */
export function linkDetails(ns: TestNamespace, name: string): LinkDetails {
  type Raw = { linkinfo?: { info_kind?: string; info_data?: { mode?: string } }; link_index?: number; link?: string; mtu: number; address: string; operstate: string };
  const [l] = ipJson<Raw[]>(ns, ['-d', 'link', 'show', name]);
  if (!l) throw new Error(`no link ${name} in ${ns.name}`);
  return { kind: l.linkinfo?.info_kind, mode: l.linkinfo?.info_data?.mode, link_index: l.link_index, link: l.link, mtu: l.mtu, address: l.address, operstate: l.operstate };
}
