import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MasqueradeCheckError } from '../errors.ts';
import { masqChainName } from '../names.ts';
import type { TestNetns } from '../test-netns.ts';
import { countingRunner, createTestNetns, isRoot } from '../test-netns.ts';
import type { MasqSpec } from './types.ts';
import { iptablesMasquerade } from './iptables-backend.ts';
import { parseCidr } from '../../addr/index.ts';

// The golden pod of reference-benchmarks.md 3.1 and the masquerade lines of its dump, verbatim.
const golden: MasqSpec = {
  network: 'cnianchor-podnet',
  containerId: '87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06',
  ifname: 'eth0',
  ips: [parseCidr('10.203.0.2/16')],
};
const chain = 'CNI-66d74dc85eb823645cc98db0';
const goComment = 'name: "cnianchor-podnet" id: "87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06"';
const quoted = '"name: \\"cnianchor-podnet\\" id: \\"87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06\\""';
const dumpLines = [
  `:${chain} - [0:0]`,
  `-A POSTROUTING -s 10.203.0.2/32 -m comment --comment ${quoted} -j ${chain}`,
  `-A ${chain} -d 10.203.0.0/16 -m comment --comment ${quoted} -j ACCEPT`,
  `-A ${chain} ! -d 224.0.0.0/4 -m comment --comment ${quoted} -j MASQUERADE`,
];

describe.skipIf(!isRoot())('iptablesMasquerade in a throwaway netns', () => {
  let ns: TestNetns;
  const save = async (tool = 'iptables-save'): Promise<string[]> =>
    (await ns.sh([tool, '-t', 'nat'])).split('\n').filter((l) => /CNI-/.test(l));

  beforeAll(async () => {
    ns = await createTestNetns('fw-ipt');
  });
  afterAll(async () => {
    await ns?.destroy();
  });

  it('setup produces exactly the Go dump’s masquerade lines, in one exec', async () => {
    const runner = countingRunner(ns.runner);
    await iptablesMasquerade(runner).setup(golden);
    expect(runner.count).toBe(1);
    expect(await save()).toEqual(dumpLines);
  });

  it('check passes, and fails naming the rule after one is removed', async () => {
    const b = iptablesMasquerade(ns.runner);
    await b.check(golden);
    await ns.sh(['iptables', '-t', 'nat', '-D', chain, '!', '-d', '224.0.0.0/4', '-m', 'comment', '--comment', goComment, '-j', 'MASQUERADE']);
    const err = await b.check(golden).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MasqueradeCheckError);
    expect((err as MasqueradeCheckError).missing).toEqual([`iptables rule ${dumpLines[3]}`]);
  });

  it('a repeated setup repairs the chain and leaves no duplicate', async () => {
    const b = iptablesMasquerade(ns.runner);
    await b.setup(golden);
    await b.setup(golden);
    expect(await save()).toEqual(dumpLines);
    await b.check(golden);
  });

  it('teardown removes everything in one exec; a second teardown is a clean success', async () => {
    const runner = countingRunner(ns.runner);
    const b = iptablesMasquerade(runner);
    await b.teardown(golden);
    expect(runner.count).toBe(1);
    expect(await save()).toEqual([]);
    await b.teardown(golden);
    expect(await save()).toEqual([]);
  });

  it('teardown without addresses finds the jump by listing POSTROUTING only', async () => {
    const b = iptablesMasquerade(ns.runner);
    await b.setup(golden);
    await b.teardown({ ...golden, ips: [] });
    expect(await save()).toEqual([]);
    expect(await save('ip6tables-save')).toEqual([]);
  });

  it('removes a rule set built like the Go plugin does (also the older -s ip/prefix jump form)', async () => {
    const ipt = (...args: string[]): Promise<string> => ns.sh(['iptables', '-t', 'nat', ...args]);
    const build = async (): Promise<void> => {
      await ipt('-N', chain);
      await ipt('-A', chain, '-d', '10.203.0.2/16', '-j', 'ACCEPT', '-m', 'comment', '--comment', goComment);
      await ipt('-A', chain, '!', '-d', '224.0.0.0/4', '-j', 'MASQUERADE', '-m', 'comment', '--comment', goComment);
      await ipt('-A', 'POSTROUTING', '-s', '10.203.0.2', '-j', chain, '-m', 'comment', '--comment', goComment);
    };
    await build();
    expect(await save()).toEqual(dumpLines);
    const b = iptablesMasquerade(ns.runner);
    await b.teardown(golden);
    expect(await save()).toEqual([]);

    await build();
    await ipt('-A', 'POSTROUTING', '-s', '10.203.0.2/16', '-j', chain, '-m', 'comment', '--comment', goComment);
    await b.teardown(golden);
    expect(await save()).toEqual([]);

    await build();
    await b.teardown({ ...golden, ips: [] });
    expect(await save()).toEqual([]);
  });

  it('setup completes a half-done Go ADD (chain without jump), teardown removes a jump-less chain', async () => {
    const b = iptablesMasquerade(ns.runner);
    await ns.sh(['iptables', '-t', 'nat', '-N', chain]);
    await ns.sh(['iptables', '-t', 'nat', '-A', chain, '-d', '10.203.0.0/16', '-j', 'ACCEPT', '-m', 'comment', '--comment', goComment]);
    await b.setup(golden);
    expect([...(await save())].sort()).toEqual([...dumpLines].sort());
    await b.check(golden);
    await ns.sh(['iptables', '-t', 'nat', '-D', 'POSTROUTING', '-s', '10.203.0.2/32', '-m', 'comment', '--comment', goComment, '-j', chain]);
    await b.teardown(golden);
    expect(await save()).toEqual([]);
  });

  it('two interfaces of one container share the chain; removing one keeps the other’s jump', async () => {
    const b = iptablesMasquerade(ns.runner);
    const eth1: MasqSpec = { ...golden, ifname: 'eth1', ips: [parseCidr('10.203.0.9/16')] };
    await b.setup(golden);
    await b.setup(eth1);
    await b.teardown(golden);
    await b.check(eth1);
    expect((await save()).filter((l) => l.startsWith('-A POSTROUTING'))).toEqual([
      `-A POSTROUTING -s 10.203.0.9/32 -m comment --comment ${quoted} -j ${chain}`,
    ]);
    await b.teardown(eth1);
    expect(await save()).toEqual([]);
  });

  it('dual stack uses ip6tables for the IPv6 address', async () => {
    const b = iptablesMasquerade(ns.runner);
    const dual: MasqSpec = { ...golden, ips: [...golden.ips, parseCidr('fd00:203::2/64')] };
    await b.setup(dual);
    await b.check(dual);
    expect(await save('ip6tables-save')).toEqual([
      `:${chain} - [0:0]`,
      `-A POSTROUTING -s fd00:203::2/128 -m comment --comment ${quoted} -j ${chain}`,
      `-A ${chain} -d fd00:203::/64 -m comment --comment ${quoted} -j ACCEPT`,
      `-A ${chain} ! -d ff00::/8 -m comment --comment ${quoted} -j MASQUERADE`,
    ]);
    await b.teardown(dual);
    expect(await save()).toEqual([]);
    expect(await save('ip6tables-save')).toEqual([]);
  });

  it('gc removes stale containers of the network only', async () => {
    const b = iptablesMasquerade(ns.runner);
    const pod = (network: string, containerId: string, ip: string): MasqSpec => ({
      network,
      containerId,
      ifname: 'eth0',
      ips: [parseCidr(`${ip}/16`)],
    });
    const keep = pod('netA', 'keep', '10.203.0.10');
    const stale = pod('netA', 'stale', '10.203.0.11');
    const other = pod('netB', 'stale', '10.203.0.12');
    for (const p of [keep, stale, other]) await b.setup(p);
    await b.gc('netA', [{ containerId: 'keep', ifname: 'eth0' }]);
    await b.check(keep);
    await b.check(other);
    await expect(b.check(stale)).rejects.toBeInstanceOf(MasqueradeCheckError);
    expect((await save()).some((l) => l.includes(masqChainName('netA', 'stale')))).toBe(false);
    for (const p of [keep, other]) await b.teardown(p);
    expect(await save()).toEqual([]);
  });
});
