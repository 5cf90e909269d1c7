// Migration in place, both ways, on one node with live pods: the node starts on Debian's Go
// plugins (1.1.1), the operator replaces the contents of its plugin directory with ours
// (`cp -a dist/bin/.`) and later puts Go's back, while the runtime keeps its cache as a real
// node does. Every pod must keep working, and each side must CHECK and DEL what the other
// side ADDed. At the end the node holds what a Go-only node holds after the same ADDs and
// DELs, plus an exact, documented list of what only ours leaves (README, "Migration to and
// from the Go plugins").
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyResult } from '../lib/cni/index.ts';
import { portmapDnatChainName } from '../lib/firewall/names.ts';
import type { NetworkConfigList } from '../lib/runtime/index.ts';
import { DIST_BIN, GO_PLUGIN_DIR, type TestNamespace, type TestNode, createTestNode, isRoot, removeAllNamespaces } from '../lib/testing/index.ts';
import { addedLines, snapshotNode } from '../conformance/node-state.ts';

const NETWORK = 'cnits-migrate';
const BRIDGE = 'cnimig0';
const NODE_IP = '192.0.2.1';
const POD_PORT = 8080;

// What an operator writes for a node of pods with host ports, on spec 1.0.0: Go 1.1.1 speaks
// nothing newer (ours reads 1.0.0 as well). Keys only ours reads (Go ignores unknown keys):
// the masquerade, portmap and firewall backends pinned to iptables, because Go 1.1.1 has only
// iptables and the two sides must meet in the same rules; portmap's and firewall's state
// directories, moved off /run/cni-ts into the test's temporary directory.
const CONFLIST = {
  cniVersion: '1.0.0',
  name: NETWORK,
  plugins: [
    {
      type: 'bridge',
      bridge: BRIDGE,
      isGateway: true,
      ipMasq: true,
      ipMasqBackend: 'iptables',
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: '10.77.0.0/24' }]],
        routes: [{ dst: '0.0.0.0/0' }],
        dataDir: '$STATE/ipam',
      },
    },
    { type: 'portmap', capabilities: { portMappings: true }, backend: 'iptables', stateDir: '$STATE/portmap' },
    { type: 'firewall', backend: 'iptables', stateDir: '$STATE/firewall' },
    {
      type: 'tuning',
      // The interface is spelled out instead of IFNAME: Go 1.1.1's CHECK does not replace
      // IFNAME (it reads /proc/sys/net/ipv4/conf/IFNAME/... and fails; fixed in Go 1.2.0).
      sysctl: { 'net.ipv4.conf.eth0.arp_filter': '1' },
      mtu: 1400,
      dataDir: '$STATE/tuning',
    },
  ],
};

/** A pod of the scenario: its namespace, host port, what ADD returned and its echo server. */
interface Pod {
  readonly label: string;
  readonly ns: TestNamespace;
  readonly hostPort: number;
  result?: AnyResult;
  server?: number | undefined;
}

const portMappings = (p: Pod) => ({ portMappings: [{ hostPort: p.hostPort, containerPort: POD_PORT, protocol: 'tcp' }] });

function resultIp(p: Pod): string {
  const ips = (p.result as { ips?: { address: string }[] } | undefined)?.ips ?? [];
  const ip = ips[0]?.address.split('/')[0];
  if (!ip) throw new Error(`pod ${p.label} has no address in its result: ${JSON.stringify(p.result)}`);
  return ip;
}

/** The node-side veth of a pod: the result's interface that has a MAC and no sandbox and is not the bridge. */
function hostVeth(p: Pod): string {
  const ifs = (p.result as { interfaces?: { name: string; sandbox?: string }[] } | undefined)?.interfaces ?? [];
  const v = ifs.find((i) => !i.sandbox && i.name !== BRIDGE);
  if (!v) throw new Error(`pod ${p.label} has no host veth in its result`);
  return v.name;
}

/** Every file and directory under `root`, relative, directories ending in "/". */
function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) {
        out.push(`${relative(root, p)}/`);
        walk(p);
      } else out.push(relative(root, p));
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

/** Empties the plugin directory and copies `from` into it, links and all (as `cp -a from/. dir/`). */
function installPlugins(dir: string, from: string): void {
  for (const n of readdirSync(dir)) rmSync(join(dir, n), { recursive: true, force: true });
  const r = spawnSync('cp', ['-a', `${from}/.`, `${dir}/`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -a ${from}/. ${dir}/ failed: ${r.stderr}`);
}

/** socat in the pod answering each connection with the pod's label; returns the PID (its own process group). */
async function startEcho(p: Pod): Promise<number> {
  const child = spawn('ip', ['netns', 'exec', p.ns.name, 'socat', '-T', '5', `TCP-LISTEN:${POD_PORT},reuseaddr,fork`, `SYSTEM:echo ${p.label}`], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  for (let i = 0; i < 200; i++) {
    if (p.ns.tryExec(['ss', '-Hltn', `sport = :${POD_PORT}`]).stdout.trim() !== '') return child.pid as number;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no echo server in pod ${p.label}`);
}

function stopEcho(p: Pod): void {
  if (p.server === undefined) return;
  try {
    process.kill(-p.server, 'SIGKILL');
  } catch {
    // gone already
  }
  p.server = undefined;
}

/** The line a TCP connection from `from` to host:port gets back, or "" when none. */
function request(from: TestNamespace, host: string, port: number): string {
  return from.tryExec(['socat', '-T', '3', '-t', '3', '-', `TCP:${host}:${port},connect-timeout=3`]).stdout.trim();
}

function pings(from: TestNamespace, ip: string): boolean {
  for (let i = 0; i < 3; i++) if (from.tryExec(['ping', '-n', '-q', '-c', '1', '-W', '1', ip]).code === 0) return true;
  return false;
}

/** Per-pod iptables chains (bridge's masquerade chain CNI-<hash>, portmap's CNI-DN-<hash>). */
const POD_CHAIN = /\bCNI-(?:DN-)?[0-9a-f]{16,}\b/g;

describe.skipIf(!isRoot() || !existsSync(join(GO_PLUGIN_DIR, 'bridge')) || !existsSync(join(DIST_BIN, 'cni-ts')))(
  'migration in place between the Go plugins (Debian 1.1.1) and ours, with live pods',
  () => {
    let node: TestNode;
    let pluginDir: string;
    let list: NetworkConfigList;
    let initial: string[];
    /** The node after step 5. */
    let atEnd: string[];
    const pods = new Map<string, Pod>();
    const pod = (label: string): Pod => pods.get(label) as Pod;

    /** Everything of the node: its namespace's links, addresses, routes, rules, and the state tree. */
    async function snapshot(n: TestNode = node): Promise<string[]> {
      const tree = listTree(n.stateDir).map((f) => `file ${f}`);
      return [...(await snapshotNode(n.ns)), ...tree].sort();
    }

    async function add(label: string, hostPort: number): Promise<Pod> {
      const p: Pod = { label, ns: node.addPod(`mig${label.toLowerCase()}`), hostPort };
      pods.set(label, p);
      p.result = await node.add(list, p.ns, { capabilityArgs: portMappings(p) });
      p.server = await startEcho(p);
      return p;
    }
    const check = (p: Pod) => node.check(list, p.ns, { capabilityArgs: portMappings(p) });
    const del = (p: Pod) => node.del(list, p.ns, { capabilityArgs: portMappings(p) });

    /** Node -> node IP:hostPort and 127.0.0.1:hostPort each reach the pod behind that port. */
    function expectHostPorts(...ps: Pod[]): void {
      for (const p of ps) {
        expect(request(node.ns, NODE_IP, p.hostPort), `${NODE_IP}:${p.hostPort}`).toBe(p.label);
        expect(request(node.ns, '127.0.0.1', p.hostPort), `127.0.0.1:${p.hostPort}`).toBe(p.label);
      }
    }

    /** After a DEL: no rule, address, link, file or record names the pod's ID, IP, host port, veth or per-pod chains. */
    function expectGone(p: Pod, before: readonly string[], after: readonly string[], leftByDesign: readonly string[] = []): void {
      const id = p.ns.name;
      const ip = resultIp(p);
      const veth = hostVeth(p);
      const mentions = (l: string): boolean =>
        l.includes(id) || new RegExp(`(^|[^0-9.])${ip.replaceAll('.', '\\.')}([^0-9]|$)`).test(l) || l.includes(`--dport ${p.hostPort} `) || l.includes(veth);
      const chains = new Set(before.filter(mentions).flatMap((l) => l.match(POD_CHAIN) ?? []));
      expect(chains.size, 'the pod had per-pod chains before DEL').toBeGreaterThan(0);
      const left = after.filter((l) => (mentions(l) || [...chains].some((c) => l.includes(c))) && !leftByDesign.includes(l));
      expect(left, `what is left of pod ${p.label} (${id}, ${ip})`).toEqual([]);
      expect(p.ns.tryExec(['ip', 'link', 'show', 'eth0']).code, `eth0 of pod ${p.label}`).not.toBe(0);
    }

    /** What our portmap and firewall record of an attachment they ADDed (relative to the state dir). */
    const recordsOf = (p: Pod): string[] => ['firewall', 'portmap'].map((d) => `file ${d}/${NETWORK}/${p.ns.name}:eth0`);

    beforeAll(async () => {
      pluginDir = mkdtempSync(join(tmpdir(), 'cnits-migrate-plugins-'));
      node = createTestNode({ pluginPaths: [pluginDir], nodeAddress: `${NODE_IP}/24` });
      list = node.network(CONFLIST);
      // A node with Docker's FORWARD policy: traffic between pods crosses the node's FORWARD
      // chain (bridge-nf-call-iptables) and passes only through the firewall plugin's rules.
      node.ns.exec(['iptables', '-P', 'FORWARD', 'DROP']);
      installPlugins(pluginDir, GO_PLUGIN_DIR);
      initial = await snapshot();
    });

    afterAll(() => {
      for (const p of pods.values()) stopEcho(p);
      node?.cleanup();
      if (pluginDir) rmSync(pluginDir, { recursive: true, force: true });
      removeAllNamespaces();
    });

    it('1. Go: pods A and B get host ports, ping each other, and their host ports answer on the node', async () => {
      const a = await add('A', 18081);
      const b = await add('B', 18082);
      expect(resultIp(a)).not.toBe(resultIp(b));
      expect(pings(a.ns, resultIp(b)), 'A -> B').toBe(true);
      expect(pings(b.ns, resultIp(a)), 'B -> A').toBe(true);
      expectHostPorts(a, b);
    });

    it("2. ours: CHECKs Go's A and B, adds C at a free address, C talks to A, every host port answers, GC with all three valid removes nothing", async () => {
      installPlugins(pluginDir, DIST_BIN);
      expect(existsSync(join(pluginDir, 'cni-ts'))).toBe(true);
      await check(pod('A'));
      await check(pod('B'));
      const c = await add('C', 18083);
      expect([resultIp(pod('A')), resultIp(pod('B'))]).not.toContain(resultIp(c));
      expect(pings(pod('A').ns, resultIp(c)), 'A -> C').toBe(true);
      expect(pings(c.ns, resultIp(pod('A'))), 'C -> A').toBe(true);
      expectHostPorts(pod('A'), pod('B'), c);

      // GC is spec 1.1.0, which Go 1.1.1 does not speak: once on ours, the operator may raise
      // the list's version; libcni and our runtime send GC to the plugins only from 1.1.0.
      // The runtime's per-container lock files go with any GC (lib/runtime, by design: GC
      // holds the whole network); everything else must stay as it is.
      const notLocks = (lines: string[]) => lines.filter((l) => !l.startsWith(`file cache/locks/${NETWORK}/cnits-`));
      const before = notLocks(await snapshot());
      const valid = [...pods.values()].map((p) => ({ containerId: p.ns.name, ifname: 'eth0' }));
      await node.runtime.gcNetworkList(node.network({ ...CONFLIST, cniVersion: '1.1.0' }), { validAttachments: valid });
      const after = notLocks(await snapshot());
      expect(addedLines(after, before), 'what GC removed').toEqual([]);
      expect(addedLines(before, after), 'what GC added').toEqual([]);
      for (const p of pods.values()) await check(p);
      expectHostPorts(pod('A'), pod('B'), c);
    });

    it('3. ours DELs A, which Go made: nothing of A is left', async () => {
      const a = pod('A');
      stopEcho(a);
      const before = await snapshot();
      await del(a);
      expectGone(a, before, await snapshot());
      expect(request(node.ns, NODE_IP, a.hostPort)).toBe('');
      expectHostPorts(pod('B'), pod('C'));
    });

    it("4. Go again: CHECKs B and C (C made by ours), adds D, DELs C leaving nothing of it, then DELs B and D", async () => {
      installPlugins(pluginDir, GO_PLUGIN_DIR);
      expect(existsSync(join(pluginDir, 'cni-ts'))).toBe(false);
      // Go 1.1.1's portmap CHECK fails for every IPv4-only pod wherever ip6tables works, its
      // own pods included: it also looks for the pod's DNAT chain in ip6tables and fails when
      // it is not there (later Go versions skip an absent chain). So Go's CHECK must fail at
      // portmap, after its bridge CHECK passed, exactly as for its own pod B; firewall and
      // tuning are then CHECKed by Go through the list without portmap.
      const withoutPortmap = node.network({ ...CONFLIST, plugins: CONFLIST.plugins.filter((pl) => pl.type !== 'portmap') });
      for (const p of [pod('B'), pod('C')]) {
        await expect(check(p), `Go's CHECK of ${p.label}`).rejects.toThrow(
          `plugin type="portmap" name="${NETWORK}" failed (check): could not check ipv6 dnat: chain ${portmapDnatChainName(NETWORK, p.ns.name)} not found in iptables table nat`,
        );
        await node.check(withoutPortmap, p.ns);
      }
      const d = await add('D', 18084);
      expect([resultIp(pod('B')), resultIp(pod('C'))]).not.toContain(resultIp(d));
      expect(pings(d.ns, resultIp(pod('C'))), 'D -> C').toBe(true);
      expect(pings(pod('B').ns, resultIp(d)), 'B -> D').toBe(true);
      expectHostPorts(pod('B'), pod('C'), d);

      const c = pod('C');
      stopEcho(c);
      const before = await snapshot();
      await del(c);
      // Go knows nothing of the records our portmap and firewall keep per attachment: they stay
      // (README: "Migration to and from the Go plugins" says how to remove them)
      const records = recordsOf(c);
      const afterC = await snapshot();
      expect(afterC.filter((l) => records.includes(l)), 'the records Go leaves of C').toEqual(records);
      expectGone(c, before, afterC, records);
      expectHostPorts(pod('B'), d);

      for (const p of [pod('B'), d]) {
        stopEcho(p);
        const b4 = await snapshot();
        await del(p);
        expectGone(p, b4, await snapshot());
      }
    });

    it('5. the node holds what a Go-only node holds after the same ADDs and DELs, plus exactly what only ours leaves', async () => {
      atEnd = await snapshot();
      const leftOnMigrated = addedLines(initial, atEnd);
      const leftOnGoOnly = await goOnlyLeftovers();
      expect(addedLines(leftOnMigrated, leftOnGoOnly), 'what Go alone leaves but the migrated node lacks').toEqual([]);
      expect(addedLines(leftOnGoOnly, leftOnMigrated).sort(), 'what only ours leaves').toEqual(oursOnly(pod('C')).sort());
    });

    it("6. ours once more: E gets an address none of A-D had and its host port, and GC with E valid removes the records Go's DEL of C left, nothing else", async () => {
      installPlugins(pluginDir, DIST_BIN);
      const e = await add('E', 18085);
      const others = ['A', 'B', 'C', 'D'].map((l) => resultIp(pod(l)));
      expect(others).not.toContain(resultIp(e));
      expectHostPorts(e);
      await node.runtime.gcNetworkList(node.network({ ...CONFLIST, cniVersion: '1.1.0' }), { validAttachments: [{ containerId: e.ns.name, ifname: 'eth0' }] });
      expectHostPorts(e);
      await check(e);
      stopEcho(e);
      await del(e);
      const now = await snapshot();
      expect(addedLines(atEnd, now), 'what E left').toEqual([]);
      expect(addedLines(now, atEnd), 'what GC removed').toEqual(recordsOf(pod('C')));
    });

    /** The same conflist, pods and ADD/DEL order on a second throwaway node that never leaves Go. */
    async function goOnlyLeftovers(): Promise<string[]> {
      const twin = createTestNode({ pluginPaths: [GO_PLUGIN_DIR], nodeAddress: `${NODE_IP}/24` });
      try {
        twin.ns.exec(['iptables', '-P', 'FORWARD', 'DROP']);
        const twinList = twin.network(CONFLIST);
        const start = await snapshot(twin);
        const ps = ['A', 'B', 'C', 'D'].map((l, i) => ({ ns: twin.addPod(`twin${l.toLowerCase()}`), rt: { capabilityArgs: portMappings({ hostPort: 18081 + i } as Pod) } }));
        const [a, b, c, d] = ps as [(typeof ps)[0], (typeof ps)[0], (typeof ps)[0], (typeof ps)[0]];
        for (const p of [a, b, c]) await twin.add(twinList, p.ns, p.rt);
        await twin.del(twinList, a.ns, a.rt);
        await twin.add(twinList, d.ns, d.rt);
        for (const p of [c, b, d]) await twin.del(twinList, p.ns, p.rt);
        return addedLines(start, await snapshot(twin));
      } finally {
        twin.cleanup();
      }
    }
  },
);

/**
 * What ours leaves on the node that Go does not know about (README, "Migration to and from the
 * Go plugins"), asserted exactly so that anything new that leaks fails the test:
 * - the records of pod C, which ours ADDed and Go DELeted (Go never reads them), and their
 *   directories (created 0700 by ours' first ADD, kept like Go keeps host-local's);
 * - host-local's index of reservations (ours rebuilds it when Go changed the directory);
 * - portmap's localnet guard in table filter (Go sets route_localnet without one); listed
 *   twice, as iptables-save and as nft (iptables-nft) print it.
 */
function oursOnly(c: Pod): string[] {
  const id = c.ns.name;
  return [
    'file firewall/',
    `file firewall/${NETWORK}/`,
    `file firewall/${NETWORK}/${id}:eth0`,
    'file portmap/',
    `file portmap/${NETWORK}/`,
    `file portmap/${NETWORK}/${id}:eth0`,
    `file ipam/${NETWORK}/.cni-ts-index`,
    'iptables :CNI-HOSTPORT-LOCALNET - [0:0]',
    'iptables -A CNI-HOSTPORT-LOCALNET ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "CNI portmap: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    'iptables -A INPUT -j CNI-HOSTPORT-LOCALNET',
    'iptables -A OUTPUT -j CNI-HOSTPORT-LOCALNET',
    'nft chain CNI-HOSTPORT-LOCALNET {',
    'nft ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8  ct status dnat counter drop',
    'nft chain INPUT {',
    'nft type filter hook input priority filter; policy accept;',
    'nft counter jump CNI-HOSTPORT-LOCALNET',
    'nft chain OUTPUT {',
    'nft type filter hook output priority filter; policy accept;',
    'nft counter jump CNI-HOSTPORT-LOCALNET',
    'nft }',
    'nft }',
    'nft }',
  ];
}
