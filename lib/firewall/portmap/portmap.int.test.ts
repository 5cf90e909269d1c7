import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portmapDnatChainName } from '../names.ts';
import type { CommandRunner } from '../runner.ts';
import type { TestNetns } from '../test-netns.ts';
import { countingRunner, createTestNetns, isRoot } from '../test-netns.ts';
import { selectBackend } from '../select.ts';
import { portmap } from './feature.ts';
import { PortmapCheckError } from './errors.ts';
import { iptablesFamilyPlan, saveLines } from './iptables-rules.ts';
import { legacyNftOwnerComment, nftOwnerComment, nftOwnerKey, nftSetupWithBase } from './nft-plan.ts';
import { familyViews } from './spec.ts';
import type { PortmapSpec } from './types.ts';
import type { BackendName } from '../backend.ts';
import { parseCidr } from '../../addr/index.ts';

// Each backend in its own throwaway "node" namespace: the rules are real, the addresses are
// only data (no interfaces are needed to install NAT rules). Traffic is tested separately in
// portmap-traffic.int.test.ts.

const POD1 = '87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06';

function pod(id: string, n: number, over: Partial<PortmapSpec> = {}): PortmapSpec {
  return {
    network: 'pmnet',
    containerId: id,
    ifname: 'eth0',
    mappings: [
      { hostPort: 20000 + n, containerPort: 80, protocol: 'tcp' },
      { hostPort: 20000 + n, containerPort: 53, protocol: 'udp' },
    ],
    containerIPv4: parseCidr(`10.123.0.${n}/16`),
    snat: true,
    masqAll: false,
    markMasqBit: 13,
    ...over,
  };
}

function v6only(s: PortmapSpec, n: number): PortmapSpec {
  const { containerIPv4: _drop, ...rest } = s;
  return { ...rest, containerIPv6: parseCidr(`fd12::${n}/64`) };
}

function dual(s: PortmapSpec, n: number): PortmapSpec {
  return { ...s, containerIPv6: parseCidr(`fd12::${n}/64`) };
}

describe.skipIf(!isRoot()).each(['iptables', 'nftables'] as const)('portmap %s backend in a throwaway netns', (name: BackendName) => {
  let ns: TestNetns;
  let runner: CommandRunner;

  const tables = async (): Promise<string> => ns.sh(['nft', 'list', 'tables']);
  const natDump = async (family: 4 | 6 = 4): Promise<string[]> =>
    (await ns.sh([family === 4 ? 'iptables-save' : 'ip6tables-save', '-t', 'nat'])).split('\n').filter((l) => l.startsWith('-A '));
  const nftTable = async (family: 4 | 6): Promise<string> => {
    const r = await runner.run(['nft', 'list', 'table', family === 4 ? 'ip' : 'ip6', 'cni_hostport']);
    return r.exitCode === 0 ? r.stdout : '';
  };
  /** Everything this pod owns, as text, in the backend's own listing. */
  const owned = async (s: PortmapSpec, family: 4 | 6 = 4): Promise<string[]> => {
    if (name === 'iptables') {
      const chain = portmapDnatChainName(s.network, s.containerId);
      return (await natDump(family)).filter((l) => l.includes(chain));
    }
    // today's rules carry the container ID as their comment, our earlier versions' the hash key
    const comment = `comment "${nftOwnerComment(s)}"`;
    const key = nftOwnerKey(s);
    return (await nftTable(family)).split('\n').filter((l) => l.includes(comment) || l.includes(key));
  };

  beforeAll(async () => {
    ns = await createTestNetns(`pm-${name.slice(0, 3)}`);
    runner = ns.runner;
  });
  afterAll(async () => {
    await ns?.destroy();
  });

  it('IPv4: setup, check, teardown, teardown again; IPv6 is never touched', async () => {
    const b = selectBackend(portmap, name, runner);
    const s = pod('v4pod', 2);
    await b.setup(s);
    await b.check(s);
    expect((await owned(s)).length).toBeGreaterThanOrEqual(name === 'iptables' ? 8 : 4);
    await b.teardown(s);
    expect(await owned(s)).toEqual([]);
    await expect(b.check(s)).rejects.toBeInstanceOf(PortmapCheckError);
    await b.teardown(s);
    await b.teardown({ network: s.network, containerId: s.containerId, ifname: s.ifname });
    expect(await tables()).not.toMatch(/^table ip6 /m);
  });

  it('IPv6 only: setup, check, teardown; the IPv4 tables are never touched', async () => {
    const fresh = await createTestNetns(`pm6-${name.slice(0, 3)}`);
    try {
      const b = selectBackend(portmap, name, fresh.runner);
      const s = v6only(pod('v6pod', 3), 3);
      await b.setup(s);
      await b.check(s);
      await b.teardown(s);
      await b.teardown(s);
      await expect(b.check(s)).rejects.toBeInstanceOf(PortmapCheckError);
      expect(await fresh.sh(['nft', 'list', 'tables'])).not.toMatch(/^table ip /m);
    } finally {
      await fresh.destroy();
    }
  });

  it('dual stack: check covers both families and fails when one family is missing', async () => {
    const b = selectBackend(portmap, name, runner);
    const s = dual(pod('dualpod', 4), 4);
    await b.setup(s);
    await b.check(s);
    expect((await owned(s, 6)).length).toBeGreaterThan(0);
    // remove the IPv6 half only
    await b.teardown(v6only(s, 4));
    const { containerIPv6: _v6, ...v4part } = s;
    await b.check(v4part);
    const err = await b.check(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortmapCheckError);
    expect((err as PortmapCheckError).message).toMatch(name === 'iptables' ? /ip6tables/ : /ip6 cni_hostport/);
    await b.teardown(s);
    expect([...(await owned(s, 4)), ...(await owned(s, 6))]).toEqual([]);
  });

  it('teardown without mappings or addresses finds the rules by owner', async () => {
    const b = selectBackend(portmap, name, runner);
    const s = dual(pod('ownerpod', 5), 5);
    await b.setup(s);
    await b.teardown({ network: s.network, containerId: s.containerId, ifname: s.ifname });
    expect([...(await owned(s, 4)), ...(await owned(s, 6))]).toEqual([]);
  });

  it('a teardown whose mappings differ from the ADD still removes everything (fallback by owner)', async () => {
    const b = selectBackend(portmap, name, runner);
    const s = pod('changedpod', 6);
    await b.setup(s);
    await b.teardown({ ...s, mappings: [{ hostPort: 1, containerPort: 1, protocol: 'tcp' }] });
    expect(await owned(s)).toEqual([]);
  });

  it('gc removes only this network’s attachments that are not valid (nftables: those our earlier versions wrote)', async () => {
    const b = selectBackend(portmap, name, runner);
    const keep = pod('keep', 10);
    const stale1 = pod('stale1', 11);
    const stale2 = dual(pod('stale2', 12), 12);
    const other = { ...pod('other', 13), network: 'othernet' };
    for (const s of [keep, other]) await b.setup(s);
    // nftables: only the hash-keyed comments of our earlier versions name the network; today's
    // container-ID comments are collected by the plugin's GC through its records
    for (const s of [stale1, stale2]) {
      if (name === 'iptables') await b.setup(s);
      else await ns.sh(['nft', '-f', '-'], nftSetupWithBase(s, familyViews(s)).replaceAll(`comment "${s.containerId}"`, `comment "${legacyNftOwnerComment(s)}"`));
    }
    expect((await owned(stale2, 6)).length).toBeGreaterThan(0);
    await b.gc('pmnet', [{ containerId: 'keep', ifname: 'eth0' }]);
    await b.check(keep);
    await b.check(other);
    expect([...(await owned(stale1)), ...(await owned(stale2)), ...(await owned(stale2, 6))]).toEqual([]);
    for (const s of [keep, other]) await b.teardown(s);
  });

  it('setup twice leaves one set of rules (iptables) or removable duplicates (nftables)', async () => {
    const b = selectBackend(portmap, name, runner);
    const s = pod('twice', 14);
    await b.setup(s);
    const once = await owned(s);
    await b.setup(s);
    if (name === 'iptables') expect(await owned(s)).toEqual(once);
    await b.check(s);
    await b.teardown(s);
    expect(await owned(s)).toEqual([]);
  });

  it('concurrent first ADDs on a fresh node all succeed, node-wide pieces written once', async () => {
    const fresh = await createTestNetns(`pmc-${name.slice(0, 3)}`);
    try {
      const b = selectBackend(portmap, name, fresh.runner);
      const pods = Array.from({ length: 8 }, (_, i) => dual(pod(`conc${i}`, 30 + i), 30 + i));
      await Promise.all(pods.map((s) => b.setup(s)));
      for (const s of pods) await b.check(s);
      if (name === 'iptables') {
        const nat = (await fresh.sh(['iptables-save', '-t', 'nat'])).split('\n');
        expect(nat.filter((l) => l.includes('-j CNI-HOSTPORT-DNAT'))).toHaveLength(2);
        expect(nat.filter((l) => l.includes('-j CNI-HOSTPORT-MASQ'))).toHaveLength(1);
        expect(nat.filter((l) => l.startsWith('-A CNI-HOSTPORT-SETMARK'))).toHaveLength(1);
        expect(nat.filter((l) => l.startsWith('-A CNI-HOSTPORT-DNAT'))).toHaveLength(16);
        const filter = (await fresh.sh(['iptables-save', '-t', 'filter'])).split('\n');
        expect(filter.filter((l) => l.includes('CNI-HOSTPORT-LOCALNET') && l.startsWith('-A'))).toHaveLength(3);
      } else {
        const t = await fresh.sh(['nft', 'list', 'table', 'ip', 'cni_hostport']);
        expect(t.match(/jump hostports_all/g)).toHaveLength(2);
        expect(t.match(/dnat to/g)).toHaveLength(16);
      }
      await Promise.all(pods.map((s) => b.teardown(s)));
      for (const s of pods) await expect(b.check(s)).rejects.toBeInstanceOf(PortmapCheckError);
    } finally {
      await fresh.destroy();
    }
  });

  it('a normal ADD and DEL each run exactly one command per family', async () => {
    const b0 = selectBackend(portmap, name, runner);
    await b0.setup(pod('warm', 15)); // the node-wide part exists from here on
    const counting = countingRunner(runner);
    const b = selectBackend(portmap, name, counting);
    const s = dual(pod('counted', 16), 16);
    await b.setup(s);
    expect(counting.count).toBe(name === 'iptables' ? 2 : 1);
    counting.count = 0;
    await b.teardown(s);
    // nftables must list each family's table to learn rule handles
    expect(counting.count).toBe(name === 'iptables' ? 2 : 3);
  });
});

describe.skipIf(!isRoot())('portmap iptables: interop with the Go plugin’s on-host state', () => {
  let ns: TestNetns;
  beforeAll(async () => {
    ns = await createTestNetns('pm-goipt');
  });
  afterAll(async () => {
    await ns?.destroy();
  });

  const golden: PortmapSpec = {
    network: 'cnianchor-podnet',
    containerId: POD1,
    ifname: 'eth0',
    mappings: [{ hostPort: 8081, containerPort: 80, protocol: 'tcp' }],
    containerIPv4: parseCidr('10.203.0.2/16'),
    snat: true,
    masqAll: false,
    markMasqBit: 13,
  };
  const goLines = [
    '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
    '-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
    '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
    '-A CNI-DN-66d74dc85eb823645cc98 -s 10.203.0.0/16 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK',
    '-A CNI-DN-66d74dc85eb823645cc98 -s 127.0.0.1/32 -p tcp -m tcp --dport 8081 -j CNI-HOSTPORT-SETMARK',
    '-A CNI-DN-66d74dc85eb823645cc98 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.203.0.2:80',
    `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cnianchor-podnet\\" id: \\"${POD1}\\"" -m multiport --dports 8081 -j CNI-DN-66d74dc85eb823645cc98`,
    '-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE',
    '-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000',
  ];
  const nat = async (): Promise<string[]> => (await ns.sh(['iptables-save', '-t', 'nat'])).split('\n').filter((l) => l.startsWith('-A '));
  const filter = async (): Promise<string[]> => (await ns.sh(['iptables-save', '-t', 'filter'])).split('\n').filter((l) => l.startsWith('-A '));

  it('our first ADD yields exactly the reference iptables-save lines (plus the filter guard)', async () => {
    await selectBackend(portmap, 'iptables', ns.runner).setup(golden);
    expect(await nat()).toEqual(goLines);
    // the plan's own save form is what iptables-save prints, so repairs never duplicate
    const plan = iptablesFamilyPlan(golden, familyViews(golden)[0]!);
    expect(saveLines(plan).filter((l) => !/LOCALNET/.test(l)).sort()).toEqual([...goLines].sort());
    expect(await filter()).toEqual([
      '-A INPUT -j CNI-HOSTPORT-LOCALNET',
      '-A OUTPUT -j CNI-HOSTPORT-LOCALNET',
      '-A CNI-HOSTPORT-LOCALNET ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "CNI portmap: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    ]);
  });

  it('the repair path (a repeated ADD) adds no node-wide duplicates', async () => {
    const b = selectBackend(portmap, 'iptables', ns.runner);
    const beforeNat = await nat();
    const beforeFilter = await filter();
    await b.setup(golden);
    await b.setup(golden);
    expect(await nat()).toEqual(beforeNat);
    expect(await filter()).toEqual(beforeFilter);
  });

  it('check names a missing node-wide jump, and the repair path (here a repeated ADD) restores it', async () => {
    const b = selectBackend(portmap, 'iptables', ns.runner);
    await ns.sh(['iptables', '-t', 'nat', '-D', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'CNI-HOSTPORT-DNAT']);
    const err = await b.check(golden).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortmapCheckError);
    expect((err as PortmapCheckError).missing).toEqual(['iptables nat PREROUTING: -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT']);
    await b.setup(golden);
    await b.check(golden);
    expect(await nat()).toEqual(goLines);
  });

  it('tears down state written the Go way (rule by rule, entry appended) and leaves the node-wide chains', async () => {
    const b = selectBackend(portmap, 'iptables', ns.runner);
    await b.teardown(golden);
    const dn = 'CNI-DN-66d74dc85eb823645cc98';
    const run = (args: string[]): Promise<string> => ns.sh(['iptables', '-t', 'nat', ...args]);
    await run(['-N', dn]);
    await run(['-A', dn, '-p', 'tcp', '--dport', '8081', '-s', '10.203.0.0/16', '-j', 'CNI-HOSTPORT-SETMARK']);
    await run(['-A', dn, '-p', 'tcp', '--dport', '8081', '-j', 'DNAT', '--to-destination', '10.203.0.2:80']);
    const comment = `dnat name: "cnianchor-podnet" id: "${POD1}"`;
    await run(['-A', 'CNI-HOSTPORT-DNAT', '-m', 'comment', '--comment', comment, '-m', 'multiport', '-p', 'tcp', '--destination-ports', '8081', '-j', dn]);
    await run(['-N', 'CNI-SN-66d74dc85eb823645cc98']);
    await b.check(golden).catch(() => undefined);
    await b.teardown(golden);
    expect((await nat()).filter((l) => l.includes('66d74dc85eb8'))).toEqual([]);
    expect(await ns.sh(['iptables-save', '-t', 'nat'])).not.toContain('CNI-SN-');
    expect(await nat()).toEqual(goLines.filter((l) => !l.includes('66d74dc85eb8')));
  });
});

describe.skipIf(!isRoot())('portmap nftables: interop with the Go plugin’s container-ID comments', () => {
  let ns: TestNetns;
  beforeAll(async () => {
    ns = await createTestNetns('pm-gonft');
  });
  afterAll(async () => {
    await ns?.destroy();
  });

  it('DEL removes Go-style rules of this container’s address and keeps the same ID’s rules on another network', async () => {
    const b = selectBackend(portmap, 'nftables', ns.runner);
    const s = pod('gocid', 20);
    await b.setup(s);
    await b.teardown(s);
    const t = 'ip cni_hostport';
    await ns.sh(['nft', '-f', '-'], [
      `add rule ${t} hostports tcp dport 8080 dnat to 10.123.0.20:80 comment "gocid"`,
      `add rule ${t} hostip_hostports ip daddr 192.0.2.1 tcp dport 8081 dnat to 10.123.0.20:80 comment "gocid"`,
      `add rule ${t} masquerading ip saddr 10.123.0.20 ip daddr 10.123.0.20 masquerade comment "gocid"`,
      `add rule ${t} hostports tcp dport 9090 dnat to 10.200.0.20:80 comment "gocid"`,
      '',
    ].join('\n'));
    await b.teardown(s);
    const left = (await ns.sh(['nft', 'list', 'table', 'ip', 'cni_hostport'])).split('\n').filter((l) => l.includes('gocid'));
    expect(left.map((l) => l.trim())).toEqual(['tcp dport 9090 dnat to 10.200.0.20:80 comment "gocid"']);
    // without addresses, DEL claims every rule carrying the container ID, as Go's DEL does
    await b.teardown({ network: 'pmnet', containerId: 'gocid', ifname: 'eth0' });
    expect(await ns.sh(['nft', 'list', 'table', 'ip', 'cni_hostport'])).not.toContain('gocid');
  });

  it('check names a missing dispatch rule', async () => {
    const b = selectBackend(portmap, 'nftables', ns.runner);
    const s = pod('dispatch', 22);
    await b.setup(s);
    await ns.sh(['nft', 'flush', 'chain', 'ip', 'cni_hostport', 'prerouting']);
    const err = await b.check(s).catch((e: unknown) => e);
    expect((err as PortmapCheckError).missing).toEqual(['ip cni_hostport prerouting: jump hostports_all']);
    await b.teardown(s);
  });

  it('a table made by another version (no localnet set) is completed by the next ADD', async () => {
    const fresh = await createTestNetns('pm-gonft2');
    try {
      await fresh.sh(['nft', '-f', '-'], [
        'add table ip cni_hostport { comment "CNI portmap plugin" ; }',
        'add chain ip cni_hostport hostports',
        'add chain ip cni_hostport hostip_hostports',
        'add chain ip cni_hostport prerouting { type nat hook prerouting priority dstnat ; }',
        'add rule ip cni_hostport prerouting jump hostip_hostports',
        'add rule ip cni_hostport prerouting jump hostports',
        'add chain ip cni_hostport masquerading { type nat hook postrouting priority srcnat ; }',
        '',
      ].join('\n'));
      const b = selectBackend(portmap, 'nftables', fresh.runner);
      const s = pod('upgrade', 21);
      await b.setup(s);
      await b.check(s);
      const listing = await fresh.sh(['nft', 'list', 'table', 'ip', 'cni_hostport']);
      expect(listing).toContain('fib daddr type local jump hostports_all');
      expect(listing).toContain('set localnet');
      expect(listing).not.toMatch(/prerouting[^}]*\n\s*jump hostports\b/);
    } finally {
      await fresh.destroy();
    }
  });
});
