import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_BIN, GO_PLUGIN_DIR, type PluginCall, type PluginOutcome, type TestNamespace, createNamespace, ipJson, runPluginBinary } from '../../lib/testing/index.ts';

// Test-only: one throwaway "node" namespace per test file. The node's "host devices" are veth
// ends and macvlans made in it (this kernel has no dummy driver); IPAM is our built host-local
// with a private dataDir. Nothing here touches the root namespace or /var/lib/cni.

/** Our built host-device plugin. */
export const OUR_HOST_DEVICE = join(DIST_BIN, 'host-device');
/** Debian's Go host-device (1.1.1: speaks up to 1.0.0). */
export const GO_HOST_DEVICE = join(GO_PLUGIN_DIR, 'host-device');

/** One link as `ip -d -j link show` prints it. */
export interface IpLink {
  ifname: string;
  ifalias?: string;
  address: string;
  flags: string[];
  master?: string;
}

/** The fixture of the host-device integration tests. */
export interface HostDeviceEnv {
  readonly node: TestNamespace;
  readonly dataDir: string;
  /** A host-device config (cniVersion 1.0.0, which Go's 1.1.1 speaks). */
  conf(name: string, keys: Record<string, unknown>): Record<string, unknown>;
  /** The same with host-local on one subnet (gateway .1, a default route). */
  confWithIpam(name: string, subnet: string, keys: Record<string, unknown>): Record<string, unknown>;
  /** Runs our host-device (or `binary`) in the node namespace. */
  run(call: Omit<PluginCall, 'node'>, binary?: string): Promise<PluginOutcome>;
  pod(purpose: string): TestNamespace;
  /** A veth pair in the node: `name` is the device to hand over, `${name}p` its peer (up, with `peerCidr`). */
  vethDevice(name: string, peerCidr?: string): void;
  /** One link of a namespace, undefined when absent. */
  link(ns: TestNamespace, name: string): IpLink | undefined;
  /** Link names of a namespace. */
  names(ns: TestNamespace): string[];
  /** Reservation files host-local holds. */
  ipamFiles(): string[];
  dispose(): void;
}

/** Creates the node namespace and the IPAM data directory; call dispose() in afterAll. */
export function createHostDeviceEnv(purpose: string): HostDeviceEnv {
  const node = createNamespace(`${purpose}-node`);
  const dataDir = mkdtempSync(join(tmpdir(), 'cnits-hd-data-'));
  const env: HostDeviceEnv = {
    node,
    dataDir,
    conf(name, keys) {
      return { cniVersion: '1.0.0', name, type: 'host-device', ...keys };
    },
    confWithIpam(name, subnet, keys) {
      return env.conf(name, { ...keys, ipam: { type: 'host-local', dataDir, ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }] } });
    },
    run(call, binary = OUR_HOST_DEVICE) {
      return runPluginBinary(binary, { path: DIST_BIN, ...call, node });
    },
    pod(p) {
      return createNamespace(`${purpose}-${p}`);
    },
    vethDevice(name, peerCidr) {
      node.exec(['ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
      node.exec(['ip', 'link', 'set', name, 'up']);
      node.exec(['ip', 'link', 'set', `${name}p`, 'up']);
      if (peerCidr) node.exec(['ip', 'addr', 'add', peerCidr, 'dev', `${name}p`]);
    },
    link(ns, name) {
      const r = ns.tryExec(['ip', '-d', '-j', 'link', 'show', 'dev', name]);
      if (r.code !== 0) return undefined;
      return (JSON.parse(r.stdout || '[]') as IpLink[])[0];
    },
    names(ns) {
      return ipJson<{ ifname: string }[]>(ns, ['link', 'show']).map((l) => l.ifname);
    },
    ipamFiles() {
      const out: string[] = [];
      for (const net of readdirSync(dataDir)) {
        for (const f of readdirSync(join(dataDir, net))) if (/^[0-9a-f.:]+$/i.test(f) && /[.:]/.test(f)) out.push(`${net}/${f}`);
      }
      return out;
    },
    dispose() {
      node.remove();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return env;
}

/** The CNI attachment arguments for a pod. */
export function attach(pod: TestNamespace, containerId: string, ifname = 'net1'): Pick<PluginCall, 'containerId' | 'netns' | 'ifname'> {
  return { containerId, netns: pod.path, ifname };
}
