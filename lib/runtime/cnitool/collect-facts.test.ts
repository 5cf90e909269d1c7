import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultCache } from '../cache.ts';
import { listNetworkConfs } from '../load.ts';
import { type CommandOutcome, type NodeReaders, collectFacts } from './collect-facts.ts';

// Facts collected from temporary directories and fake node readers: the configuration's
// directories are followed, each state file read as the plugins write it, and damage named.

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-facts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function readers(answers: Record<string, CommandOutcome> = {}, existing: string[] = []): NodeReaders {
  return {
    links: () => [
      { name: 'br9', kind: 'bridge', master: undefined, peerElsewhere: false },
      { name: 'veth1', kind: 'veth', master: 'br9', peerElsewhere: true },
      { name: 'eth0', kind: undefined, master: undefined, peerElsewhere: false },
    ],
    run: async (argv) => answers[argv.join(' ')] ?? { stdout: '', stderr: 'not installed', exitCode: 127 },
    pathExists: (p) => existing.includes(p),
  };
}

async function setUp(): Promise<void> {
  const conf = join(dir, 'net.d');
  mkdirSync(conf);
  writeFileSync(
    join(conf, '10-n.conflist'),
    JSON.stringify({
      cniVersion: '1.1.0',
      name: 'n',
      plugins: [
        { type: 'bridge', bridge: 'br9', ipam: { type: 'host-local', subnet: '10.9.0.0/24', dataDir: join(dir, 'ipam') } },
        { type: 'portmap', stateDir: join(dir, 'pm') },
      ],
    }),
  );
  mkdirSync(join(dir, 'ipam', 'n'), { recursive: true });
  writeFileSync(join(dir, 'ipam', 'n', '10.9.0.2'), 'c1\r\neth0');
  writeFileSync(join(dir, 'ipam', 'n', '10.9.0.3'), 'legacy-id');
  writeFileSync(join(dir, 'ipam', 'n', 'last_reserved_ip.0'), '10.9.0.3');
  mkdirSync(join(dir, 'pm', 'n'), { recursive: true });
  writeFileSync(join(dir, 'pm', 'n', 'c1:eth0'), JSON.stringify({ backend: 'iptables', spec: { mappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] } }));
  writeFileSync(join(dir, 'pm', 'n', 'c2:eth0'), 'not json');
  const cache = new ResultCache(join(dir, 'cache'));
  await cache.write({
    containerId: 'c1',
    config: Buffer.from('{}'),
    ifName: 'eth0',
    networkName: 'n',
    netns: '/run/netns/p1',
    result: { cniVersion: '1.1.0', interfaces: [{ name: 'br9' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/run/netns/p1' }], ips: [{ address: '10.9.0.2/24', interface: 2 }] },
  });
  await cache.write({ containerId: 'c9', config: Buffer.from('{}'), ifName: 'eth0', networkName: 'gone-net', netns: '/run/netns/p9' });
}

describe('collectFacts', () => {
  it('reads attachments, reservations, records, bridge ports and firewall listings', async () => {
    await setUp();
    const save = { stdout: '*nat\n:CNI-abc - [0:0]\n-A POSTROUTING -j CNI-abc\nCOMMIT\n', stderr: '', exitCode: 0 };
    const facts = await collectFacts(await listNetworkConfs(join(dir, 'net.d')), new ResultCache(join(dir, 'cache')), readers({ 'iptables-save -t nat': save }, ['/run/netns/p1']));
    const n = facts.networks[0];
    expect(n?.bridge).toBe('br9');
    expect(n?.attachments).toEqual([
      { network: 'n', containerId: 'c1', ifname: 'eth0', netns: '/run/netns/p1', netnsExists: true, addresses: ['10.9.0.2/24'], hostInterfaces: ['br9', 'veth1'] },
    ]);
    expect(n?.reservations.map((r) => [r.ip, r.containerId, r.ifname])).toEqual([
      ['10.9.0.2', 'c1', 'eth0'],
      ['10.9.0.3', 'legacy-id', undefined],
    ]);
    expect(n?.records.map((r) => [r.containerId, r.backend, r.mappings, r.damaged !== undefined])).toEqual([
      ['c1', 'iptables', ['8080->80/tcp'], false],
      ['c2', undefined, [], true],
    ]);
    expect(n?.bridgePorts).toEqual([{ name: 'veth1', kind: 'veth', peerElsewhere: true }]);
    expect(facts.unconfigured.map((a) => [a.network, a.netnsExists])).toEqual([['gone-net', false]]);
    expect(facts.firewall.iptables?.chains.map((c) => c.name)).toEqual(['CNI-abc']);
    expect(facts.firewall.nft).toBeUndefined();
    expect(facts.problems.join('\n')).toContain(join(dir, 'pm', 'n', 'c2:eth0'));
  });

  it('names a failing firewall tool and output that is not JSON, and goes on', async () => {
    await setUp();
    const facts = await collectFacts(
      await listNetworkConfs(join(dir, 'net.d')),
      new ResultCache(join(dir, 'cache')),
      readers({ 'iptables-save -t nat': { stdout: '', stderr: 'Permission denied', exitCode: 4 }, 'nft -j list ruleset': { stdout: '{oops', stderr: '', exitCode: 0 } }),
    );
    expect(facts.problems.join('\n')).toMatch(/iptables-save -t nat failed: Permission denied[\s\S]*nft -j list ruleset printed what is not JSON/);
    expect(facts.networks).toHaveLength(1);
  });
});
