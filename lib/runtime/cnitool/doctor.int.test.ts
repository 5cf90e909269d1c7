import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, GO_PLUGIN_DIR, type TestNamespace, type TestNode, createTestNode, isRoot } from '../../testing/index.ts';
import { containerIdFor } from './args.ts';

// `cnitool inspect` and `cnitool doctor` (dist/bin) run inside a throwaway node netns with a
// temporary conf dir, cache dir, dataDir and state dirs, on a node with live pods and leaks
// made on purpose: a pod whose cache entry was removed (a killed ADD), a pod whose netns was
// deleted without DEL, and a pod of Debian's Go plugins whose cache entry was removed.

const CNITOOL = join(DIST_BIN, 'cnitool');
const goAvailable = existsSync(join(GO_PLUGIN_DIR, 'bridge')) && existsSync(join(GO_PLUGIN_DIR, 'portmap'));

let node: TestNode;
let confDir: string;
let cacheDir: string;
const pods: Record<string, TestNamespace> = {};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cnitool(args: readonly string[], env: Record<string, string> = {}): Run {
  const r = spawnSync('ip', ['netns', 'exec', node.ns.name, CNITOOL, ...args], {
    env: { PATH: process.env.PATH ?? '', NETCONFPATH: confDir, CNI_PATH: DIST_BIN, CNI_CACHE_DIR: cacheDir, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function add(network: string, pod: TestNamespace, env: Record<string, string> = {}): void {
  const r = cnitool(['add', network, pod.path], env);
  if (r.code !== 0) throw new Error(`add ${network} ${pod.name} failed: ${r.stderr}`);
}

function removeCacheEntry(network: string, pod: TestNamespace): void {
  rmSync(join(cacheDir, 'results', `${network}-${containerIdFor(pod.path, '/').containerId}-eth0`));
}

function podAddress(pod: TestNamespace): string {
  const out = pod.exec(['ip', '-j', '-4', 'addr', 'show', 'eth0']);
  return (JSON.parse(out) as { addr_info: { local: string }[] }[])[0]?.addr_info[0]?.local as string;
}

function doctorJson(...flags: string[]): { code: number | null; doc: { findings: { kind: string; network?: string; chain?: string }[]; fix?: { removed: unknown[]; remaining: unknown[]; errors: string[] } } } {
  const r = cnitool(['doctor', '--json', ...flags]);
  return { code: r.code, doc: JSON.parse(r.stdout) };
}

const kinds = (fs: { kind: string }[]): string[] => [...new Set(fs.map((f) => f.kind))].sort();

describe.skipIf(!isRoot())('cnitool inspect and doctor on a node with live pods and leaks (dist/bin)', () => {
  beforeAll(() => {
    node = createTestNode();
    confDir = join(node.stateDir, 'net.d');
    cacheDir = join(node.stateDir, 'cache');
    mkdirSync(confDir);
    const st = node.stateDir;
    writeFileSync(
      join(confDir, '10-pods.conflist'),
      JSON.stringify({
        cniVersion: '1.1.0',
        name: 'pods',
        plugins: [
          { type: 'bridge', bridge: 'cnits-br0', isGateway: true, ipMasq: true, ipam: { type: 'host-local', subnet: '10.77.0.0/24', dataDir: join(st, 'ipam') } },
          { type: 'portmap', capabilities: { portMappings: true }, stateDir: join(st, 'portmap') },
          { type: 'firewall', backend: 'iptables', stateDir: join(st, 'firewall') },
        ],
      }),
    );
    writeFileSync(
      join(confDir, '20-gonet.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'gonet',
        plugins: [
          { type: 'bridge', bridge: 'cnits-br1', isGateway: true, ipMasq: true, ipam: { type: 'host-local', subnet: '10.78.0.0/24', dataDir: join(st, 'ipam') } },
          // Go's portmap ignores stateDir; ours (doctor --for-downgrade) must not look at /run
          { type: 'portmap', capabilities: { portMappings: true }, stateDir: join(st, 'portmap') },
        ],
      }),
    );
    writeFileSync(
      join(confDir, '30-nftnet.conflist'),
      JSON.stringify({
        cniVersion: '1.1.0',
        name: 'nftnet',
        plugins: [
          { type: 'bridge', bridge: 'cnits-br2', isGateway: true, ipMasq: true, ipMasqBackend: 'nftables', ipam: { type: 'host-local', subnet: '10.79.0.0/24', dataDir: join(st, 'ipam') } },
          { type: 'portmap', capabilities: { portMappings: true }, backend: 'nftables', stateDir: join(st, 'portmap') },
        ],
      }),
    );
    for (const p of ['live', 'killed', 'gone', 'go', 'nftlive', 'nftkilled']) pods[p] = node.addPod(p);
    const ports = (host: number): Record<string, string> => ({ CAP_ARGS: JSON.stringify({ portMappings: [{ hostPort: host, containerPort: 80, protocol: 'tcp' }] }) });
    add('pods', pods.live as TestNamespace, ports(8080));
    add('pods', pods.killed as TestNamespace, ports(8081));
    add('pods', pods.gone as TestNamespace);
    add('nftnet', pods.nftlive as TestNamespace, ports(7070));
    add('nftnet', pods.nftkilled as TestNamespace, ports(7071));
    if (goAvailable) add('gonet', pods.go as TestNamespace, { CNI_PATH: GO_PLUGIN_DIR, ...ports(9090) });
    // the leaks: an ADD whose cache entry never got written, a pod deleted without DEL, a Go pod forgotten
    removeCacheEntry('pods', pods.killed as TestNamespace);
    removeCacheEntry('nftnet', pods.nftkilled as TestNamespace);
    (pods.gone as TestNamespace).remove();
    if (goAvailable) removeCacheEntry('gonet', pods.go as TestNamespace);
  });

  afterAll(() => node?.cleanup());

  it('inspect shows the cached attachments, reservations with holders, port mappings and firewall backend', () => {
    const r = cnitool(['inspect', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      version: number;
      networks: { name: string; attachments: { containerId: string; netnsExists: boolean; addresses: string[]; portMappings: string[]; firewall: string[] }[]; reservations: { containerId: string }[] }[];
    };
    expect(doc.version).toBe(1);
    const pn = doc.networks.find((n) => n.name === 'pods');
    const live = containerIdFor((pods.live as TestNamespace).path, '/').containerId;
    const killed = containerIdFor((pods.killed as TestNamespace).path, '/').containerId;
    const liveAtt = pn?.attachments.find((a) => a.containerId === live);
    expect(liveAtt?.addresses).toEqual([`${podAddress(pods.live as TestNamespace)}/24`]);
    expect(liveAtt?.portMappings).toEqual(['8080->80/tcp']);
    expect(liveAtt?.firewall.length).toBeGreaterThan(0);
    expect(pn?.attachments.map((a) => a.netnsExists).sort()).toEqual([false, true]);
    expect(pn?.attachments.some((a) => a.containerId === killed)).toBe(false);
    expect(pn?.reservations.map((x) => x.containerId)).toContain(killed);
    const human = cnitool(['inspect', 'pods']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('CONTAINER');
    expect(human.stdout).toContain(live);
    expect(human.stdout).toContain('(gone)');
  });

  it('doctor finds every leak and exits 1, without changing anything', () => {
    const before = doctorJson();
    expect(before.code).toBe(1);
    const found = kinds(before.doc.findings);
    expect(found).toEqual(expect.arrayContaining(['orphan-record', 'orphan-reservation', 'orphan-veth', 'stale-attachment']));
    // the killed pod's masquerade and its port mapping, in whichever backend our plugins chose
    expect(found).toEqual(expect.arrayContaining(['orphan-iptables-chain', 'orphan-iptables-rule', 'orphan-nft-rule']));
    // the firewall plugin's record and its CNI-FORWARD accepts of the killed pod
    expect(kinds(before.doc.findings.filter((f) => f.kind === 'orphan-record').map((f) => ({ kind: (f as { plugin?: string }).plugin as string })))).toEqual(['firewall', 'portmap']);
    expect(before.doc.findings.filter((f) => f.kind === 'orphan-nft-rule').map((f) => (f as { table?: string }).table).sort()).toEqual(
      expect.arrayContaining(['cni_hostport', 'cni_plugins_masquerade']),
    );
    if (goAvailable) {
      // Go's masquerade chain of the forgotten pod, named by its comment
      expect(before.doc.findings.some((f) => f.kind === 'orphan-iptables-chain' && f.network === 'gonet')).toBe(true);
    }
    expect(doctorJson().doc.findings).toEqual(before.doc.findings);
    const human = cnitool(['doctor', 'pods']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('its netns');
  });

  it('doctor --fix removes them all, keeps the live pod working, and a second doctor is clean', () => {
    const fixed = doctorJson('--fix');
    expect(fixed.doc.fix?.errors).toEqual([]);
    expect(fixed.doc.fix?.remaining).toEqual([]);
    expect(fixed.code).toBe(0);
    expect(fixed.doc.fix?.removed.length).toBe(fixed.doc.findings.length);
    const again = cnitool(['doctor']);
    expect(again).toMatchObject({ code: 0, stdout: 'no leftovers found\n' });
    // the live pod: still cached, still reachable
    node.ns.exec(['ping', '-c', '1', '-W', '5', podAddress(pods.live as TestNamespace)]);
    node.ns.exec(['ping', '-c', '1', '-W', '5', podAddress(pods.nftlive as TestNamespace)]);
    const inspect = JSON.parse(cnitool(['inspect', '--json']).stdout) as { networks: { name: string; attachments: { firewall: string[] }[]; reservations: unknown[] }[] };
    const byName = new Map(inspect.networks.map((n) => [n.name, n]));
    expect(byName.get('pods')?.attachments).toHaveLength(1);
    expect(byName.get('pods')?.reservations).toHaveLength(1);
    expect(byName.get('nftnet')?.attachments.map((a) => a.firewall)).toEqual([['nftables']]);
    expect(byName.get('pods')?.attachments.map((a) => a.firewall)).toEqual([['iptables']]);
    // the live pods' mappings are still installed in their backends
    expect(node.ns.exec(['nft', 'list', 'table', 'ip', 'cni_hostport'])).toContain('7070');
    expect(node.ns.exec(['iptables-save', '-t', 'nat'])).toContain('--dport 8080');
    const saved = node.ns.exec(['iptables-save']);
    if (goAvailable) expect(saved).not.toContain('gonet');
  });

  it('doctor --fix --for-downgrade keeps what a live attachment needs, removes it once none does', () => {
    const st = node.stateDir;
    const first = doctorJson('--fix', '--for-downgrade');
    expect(first.code).toBe(0);
    expect(readdirSync(join(st, 'ipam', 'pods')).some((n) => n === '.cni-ts-index')).toBe(false);
    expect(existsSync(join(st, 'portmap', 'pods'))).toBe(true); // the live pod's mapping
    expect(node.ns.exec(['iptables-save', '-t', 'filter'])).toContain('CNI-HOSTPORT-LOCALNET');
    expect(node.ns.tryExec(['nft', 'list', 'chain', 'ip', 'cni_hostport', 'localnet_input']).code).toBe(0);
    for (const [net, pod] of [['pods', pods.live], ['nftnet', pods.nftlive]] as const) {
      expect(cnitool(['del', net, (pod as TestNamespace).path]).code).toBe(0);
    }
    const second = doctorJson('--fix', '--for-downgrade');
    expect(second.code).toBe(0);
    expect(existsSync(join(st, 'portmap'))).toBe(false);
    expect(existsSync(join(st, 'firewall'))).toBe(false);
    expect(node.ns.exec(['iptables-save', '-t', 'filter'])).not.toContain('CNI-HOSTPORT-LOCALNET');
    expect(node.ns.tryExec(['nft', 'list', 'chain', 'ip', 'cni_hostport', 'localnet_input']).code).not.toBe(0);
  });

  it('bad input: a missing conf dir, an unknown network, a corrupt cache entry: clear message, exit code, JSON', () => {
    const missing = cnitool(['doctor', '--json'], { NETCONFPATH: join(node.stateDir, 'nope') });
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ version: 1, error: expect.stringContaining('does not exist') });
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const unknown = cnitool(['inspect', 'nosuch']);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('no network "nosuch"') });
    mkdirSync(join(cacheDir, 'results'), { recursive: true });
    writeFileSync(join(cacheDir, 'results', 'pods-broken-eth0'), '{"kind":');
    const corrupt = cnitool(['inspect', '--json']);
    expect(corrupt.code).toBe(0);
    expect(JSON.parse(corrupt.stdout).version).toBe(1);
    rmSync(join(cacheDir, 'results', 'pods-broken-eth0'));
  });

  it('damaged state files and a broken configuration file: named as problems, the damage found and removed', () => {
    const st = node.stateDir;
    mkdirSync(join(st, 'ipam', 'pods'), { recursive: true });
    mkdirSync(join(st, 'portmap', 'pods'), { recursive: true });
    writeFileSync(join(st, 'ipam', 'pods', '10.77.0.200'), 'garbage without a line break');
    writeFileSync(join(st, 'portmap', 'pods', 'ghost:eth0'), '{"backend":');
    writeFileSync(join(confDir, '05-broken.conflist'), '{"cniVersion":');
    // a cache entry whose netns is gone and whose DEL fails (its cached configuration names a
    // plugin that is not installed): --fix removes the entry itself
    const config = Buffer.from(JSON.stringify({ cniVersion: '1.1.0', name: 'pods', plugins: [{ type: 'cnits-no-such-plugin' }] })).toString('base64');
    const entry = { kind: 'cniCacheV1', containerId: 'phantom', config, ifName: 'eth0', networkName: 'pods', netns: '/run/netns/cnits-never-there' };
    writeFileSync(join(cacheDir, 'results', 'pods-phantom-eth0'), JSON.stringify(entry));
    const inspect = cnitool(['inspect', '--json']);
    expect(inspect.code).toBe(0);
    const doc = JSON.parse(inspect.stdout) as { problems: string[] };
    expect(doc.problems.join('\n')).toContain('05-broken.conflist');
    expect(doc.problems.join('\n')).toContain('ghost:eth0');
    const found = doctorJson();
    expect(found.code).toBe(1);
    expect(found.doc.findings.map((f) => f.kind).sort()).toEqual(['orphan-record', 'orphan-reservation', 'stale-attachment']);
    const fixed = doctorJson('--fix');
    expect(fixed.code).toBe(0);
    expect(fixed.doc.fix?.removed).toHaveLength(3);
    expect(existsSync(join(cacheDir, 'results', 'pods-phantom-eth0'))).toBe(false);
    expect(existsSync(join(st, 'ipam', 'pods', '10.77.0.200'))).toBe(false);
    rmSync(join(confDir, '05-broken.conflist'));
  });
});
