import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  goMasqAdd,
  goMasqDel,
  goMasqGc,
  goPortmapAdd,
  goPortmapCheck,
  goPortmapDel,
  goSpoofCheckSetup,
  goSpoofCheckTeardown,
  type GoPortmapAdd,
} from './go-nft-layouts.ts';
import { macSpoofCheck } from './macspoofchk/feature.ts';
import type { MacSpoofCheckSpec } from './macspoofchk/types.ts';
import { masquerade } from './masquerade/feature.ts';
import type { MasqSpec } from './masquerade/types.ts';
import { parseNftListing } from './nft-json.ts';
import { PortmapCheckError } from './portmap/errors.ts';
import { portmap } from './portmap/feature.ts';
import { legacyNftOwnerComment, nftSetupWithBase } from './portmap/nft-plan.ts';
import { familyViews } from './portmap/spec.ts';
import type { PortmapSpec } from './portmap/types.ts';
import { selectBackend } from './select.ts';
import type { TestNetns } from './test-netns.ts';
import { createTestNetns, isRoot } from './test-netns.ts';
import { parseCidr } from '../addr/index.ts';

// Our nftables backends against the layouts the Go plugins v1.9.1 write (go-nft-layouts.ts):
// Go's ADD state removed by our DEL and GC, and our ADD state removed by a model of Go's DEL.
// One throwaway node namespace per feature, emptied before each test; the addresses are only data.

/** Rules of the table that belong to pods (the node-wide dispatch and guard rules excluded). */
async function podRules(ns: TestNetns, family: 'ip' | 'ip6' | 'inet' | 'bridge', table: string, chains: readonly string[]): Promise<string[]> {
  const r = await ns.runner.run(['nft', '-j', 'list', 'table', family, table]);
  if (r.exitCode !== 0) return [];
  return parseNftListing(r.stdout)
    .rules.filter((x) => chains.includes(x.chain))
    .map((x) => `${x.chain}: ${x.text} (${x.comment ?? ''})`);
}

describe.skipIf(!isRoot())('portmap nftables and Go v1.9.1 portmap_nftables.go', () => {
  let ns: TestNetns;
  const POD_CHAINS = ['hostports', 'hostip_hostports', 'masquerading'];
  const rulesOf = async (family: 'ip' | 'ip6'): Promise<string[]> => podRules(ns, family, 'cni_hostport', POD_CHAINS);
  beforeAll(async () => {
    ns = await createTestNetns('gonft-pm');
  });
  afterAll(async () => {
    await ns?.destroy();
  });
  // each test starts from an empty ruleset, so that one failure cannot fail the next
  beforeEach(async () => {
    await ns.sh(['nft', 'flush', 'ruleset']);
  });

  const spec = (containerId: string, n: number, over: Partial<PortmapSpec> = {}): PortmapSpec => ({
    network: 'gonet',
    containerId,
    ifname: 'eth0',
    mappings: [
      { hostPort: 30000 + n, containerPort: 80, protocol: 'tcp' },
      { hostPort: 30000 + n, containerPort: 53, protocol: 'udp' },
      { hostPort: 31000 + n, containerPort: 81, protocol: 'sctp', hostIP: '192.0.2.1' },
    ],
    containerIPv4: parseCidr(`10.124.0.${n}/16`),
    containerIPv6: parseCidr(`fd24::${n}/64`),
    snat: true,
    masqAll: false,
    markMasqBit: 13,
    ...over,
  });
  /** What Go's forwardPorts is given for the spec, per family. */
  const goAdds = (s: PortmapSpec): GoPortmapAdd[] =>
    familyViews(s).map((v) => ({
      containerId: s.containerId,
      containerIP: v.ip,
      snat: s.snat,
      mappings: s.mappings.map((m) => ({ ...m })),
    }));

  it('after our ADD, Go’s DEL removes every rule of ours, and Go’s CHECK passes on them first', async () => {
    const b = selectBackend(portmap, 'nftables', ns.runner);
    const s = spec('ours-for-go', 1);
    await b.setup(s);
    expect((await rulesOf('ip')).length).toBe(5);
    expect((await rulesOf('ip6')).length).toBe(3);
    for (const g of goAdds(s)) expect(await goPortmapCheck(ns.runner.run, g)).toEqual([]);
    await goPortmapDel(ns.runner.run, s.containerId);
    expect([...(await rulesOf('ip')), ...(await rulesOf('ip6'))]).toEqual([]);
    // our own DEL afterwards finds nothing and succeeds
    await b.teardown(s);
  });

  it('Go’s ADD on both families is removed completely by our DEL with the spec; our CHECK misses only our localnet guard', async () => {
    const b = selectBackend(portmap, 'nftables', ns.runner);
    const s = spec('go-made', 2);
    for (const g of goAdds(s)) await goPortmapAdd(ns.runner.run, g);
    expect((await rulesOf('ip')).length).toBe(5);
    expect((await rulesOf('ip6')).length).toBe(3);
    // every per-pod rule is found as ours; Go writes no guard against martian 127/8 traffic
    const err = await b.check(s).catch((e: unknown) => e);
    expect((err as PortmapCheckError).missing).toEqual(['ip cni_hostport: chain localnet_input', 'ip cni_hostport: chain localnet_output']);
    await b.teardown(s);
    expect([...(await rulesOf('ip')), ...(await rulesOf('ip6'))]).toEqual([]);
  });

  it('Go’s ADD is removed by our DEL by owner, while the same ID’s rules on another address stay with an address-bearing DEL', async () => {
    const b = selectBackend(portmap, 'nftables', ns.runner);
    const s = spec('go-owner', 3);
    const other = spec('go-owner', 4, { network: 'othernet' });
    for (const g of [...goAdds(s), ...goAdds(other)]) await goPortmapAdd(ns.runner.run, g);
    await b.teardown(s);
    const left = [...(await rulesOf('ip')), ...(await rulesOf('ip6'))];
    expect(left.length).toBe(8);
    expect(left.every((l) => l.includes('10.124.0.4') || l.includes('fd24::4'))).toBe(true);
    await b.teardown({ network: 'othernet', containerId: 'go-owner', ifname: 'eth0' });
    expect([...(await rulesOf('ip')), ...(await rulesOf('ip6'))]).toEqual([]);
  });

  it('Go’s ADD on a node with ours rewrites only the dispatch rules: our rules stay and pass CHECK, Go’s DEL removes only its own', async () => {
    const b = selectBackend(portmap, 'nftables', ns.runner);
    const ours = spec('ours-mixed', 5);
    const go = spec('go-mixed', 6);
    await b.setup(ours);
    for (const g of goAdds(go)) await goPortmapAdd(ns.runner.run, g);
    await b.check(ours);
    await goPortmapDel(ns.runner.run, go.containerId);
    expect((await rulesOf('ip')).length).toBe(5);
    await b.check(ours);
    await b.teardown(ours);
    expect([...(await rulesOf('ip')), ...(await rulesOf('ip6'))]).toEqual([]);
  });

  it('rules our earlier versions wrote (hash-keyed comments) are still removed by DEL and by GC', async () => {
    const b = selectBackend(portmap, 'nftables', ns.runner);
    const old = spec('old-version', 7);
    const oldGc = spec('old-version-gc', 8);
    for (const s of [old, oldGc]) {
      const legacy = legacyNftOwnerComment(s);
      const script = nftSetupWithBase(s, familyViews(s)).replaceAll(`comment "${s.containerId}"`, `comment "${legacy}"`);
      expect(script).toContain(legacy);
      await ns.sh(['nft', '-f', '-'], script);
    }
    expect((await rulesOf('ip')).length).toBe(10);
    await b.teardown({ network: old.network, containerId: old.containerId, ifname: old.ifname });
    await b.gc(oldGc.network, []);
    expect([...(await rulesOf('ip')), ...(await rulesOf('ip6'))]).toEqual([]);
  });
});

describe.skipIf(!isRoot())('masquerade nftables and Go v1.9.1 ipmasq_nftables_linux.go', () => {
  let ns: TestNetns;
  const rules = async (): Promise<string[]> => podRules(ns, 'inet', 'cni_plugins_masquerade', ['masq_checks']);
  beforeAll(async () => {
    ns = await createTestNetns('gonft-mq');
  });
  afterAll(async () => {
    await ns?.destroy();
  });
  // each test starts from an empty ruleset, so that one failure cannot fail the next
  beforeEach(async () => {
    await ns.sh(['nft', 'flush', 'ruleset']);
  });
  const spec = (containerId: string, n: number, network = 'gonet'): MasqSpec => ({
    network,
    containerId,
    ifname: 'eth0',
    ips: [parseCidr(`10.125.0.${n}/24`), parseCidr(`fd25::${n}/64`)],
  });
  const goAddrs = (n: number) => [
    { ip: `10.125.0.${n}`, prefix: 24, subnet: '10.125.0.0' },
    { ip: `fd25::${n}`, prefix: 64, subnet: 'fd25::' },
  ];

  it('after our ADD, Go’s DEL removes our rules; Go’s GC removes our stale ones and keeps the valid', async () => {
    const b = selectBackend(masquerade, 'nftables', ns.runner);
    const s = spec('ours-a', 1);
    await b.setup(s);
    expect((await rules()).length).toBe(2);
    await goMasqDel(ns.runner.run, s.network, s.ifname, s.containerId);
    expect(await rules()).toEqual([]);
    const keep = spec('ours-keep', 2);
    const stale = spec('ours-stale', 3);
    await b.setup(keep);
    await b.setup(stale);
    await goMasqGc(ns.runner.run, 'gonet', [{ containerId: 'ours-keep', ifname: 'eth0' }]);
    await b.check(keep);
    expect((await rules()).length).toBe(2);
    await b.teardown(keep);
    expect(await rules()).toEqual([]);
  });

  it('Go’s ADD passes our CHECK and is removed by our DEL; our GC removes Go’s stale rules of this network only', async () => {
    const b = selectBackend(masquerade, 'nftables', ns.runner);
    await goMasqAdd(ns.runner.run, goAddrs(4), 'gonet', 'eth0', 'go-a');
    await b.check(spec('go-a', 4));
    await b.teardown({ network: 'gonet', containerId: 'go-a', ifname: 'eth0', ips: [] });
    expect(await rules()).toEqual([]);
    await goMasqAdd(ns.runner.run, goAddrs(5), 'gonet', 'eth0', 'go-stale');
    await goMasqAdd(ns.runner.run, goAddrs(6), 'othernet', 'eth0', 'go-other');
    await b.gc('gonet', []);
    const left = await rules();
    expect(left.length).toBe(2);
    expect(left.every((l) => l.includes('net: othernet'))).toBe(true);
    await b.teardown({ network: 'othernet', containerId: 'go-other', ifname: 'eth0', ips: [] });
    expect(await rules()).toEqual([]);
  });
});

describe.skipIf(!isRoot())('macspoofchk nftables and Go v1.9.1 pkg/link/spoofcheck.go', () => {
  let ns: TestNetns;
  const everything = async (): Promise<string> => {
    const r = await ns.runner.run(['nft', 'list', 'table', 'bridge', 'nat']);
    return r.exitCode === 0 ? r.stdout : '';
  };
  beforeAll(async () => {
    ns = await createTestNetns('gonft-sc');
  });
  afterAll(async () => {
    await ns?.destroy();
  });
  // each test starts from an empty ruleset, so that one failure cannot fail the next
  beforeEach(async () => {
    await ns.sh(['nft', 'flush', 'ruleset']);
  });
  const spec = (containerId: string, hostVeth: string): MacSpoofCheckSpec => ({ containerId, ifname: 'eth0', hostVeth, mac: '0a:58:0a:7e:00:05' });

  it('after our ADD, Go’s teardown (refID = containerID-ifname) removes the jump and both chains', async () => {
    const b = selectBackend(macSpoofCheck, 'nftables', ns.runner);
    const s = spec('ours-sc', 'vethours0001');
    await b.setup(s);
    expect(await everything()).toContain('cni-br-iface-ours-sc-eth0');
    await goSpoofCheckTeardown(ns.runner.run, 'ours-sc-eth0');
    const left = await everything();
    expect(left).not.toContain('ours-sc');
    expect(left).not.toContain('vethours0001');
  });

  it('Go’s ADD passes our CHECK and is removed by our DEL, and a stale one by our GC', async () => {
    const b = selectBackend(macSpoofCheck, 'nftables', ns.runner);
    await goSpoofCheckSetup(ns.runner.run, 'vethgo000001', '0a:58:0a:7e:00:05', 'go-sc-eth0');
    await b.check(spec('go-sc', 'vethgo000001'));
    await b.teardown({ containerId: 'go-sc', ifname: 'eth0' });
    expect(await everything()).not.toContain('go-sc');
    await goSpoofCheckSetup(ns.runner.run, 'vethgo000002', '0a:58:0a:7e:00:06', 'go-stale-eth0');
    await b.gc('gonet', [], { hostInterfaceIsOurs: (name) => name === 'vethgo000002' });
    const left = await everything();
    expect(left).not.toContain('go-stale');
    expect(left).not.toContain('vethgo000002');
  });
});
