import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MasqueradeCheckError } from '../errors.ts';
import { nftMasqComment } from '../names.ts';
import type { TestNetns } from '../test-netns.ts';
import { countingRunner, createTestNetns, isRoot } from '../test-netns.ts';
import type { MasqSpec } from './types.ts';
import { nftablesMasquerade } from './nft-backend.ts';
import { parseNftListing } from '../nft-json.ts';
import { parseCidr } from '../../addr/index.ts';

const pod = (containerId: string, ip: string, extra: Partial<MasqSpec> = {}): MasqSpec => ({
  network: 'unit-test',
  containerId,
  ifname: 'eth0',
  ips: [parseCidr(`${ip}/24`)],
  ...extra,
});
const one = pod('one', '192.168.1.1');

describe.skipIf(!isRoot())('nftablesMasquerade in a throwaway netns', () => {
  let ns: TestNetns;
  /** `text (comment)` of every rule in masq_checks, from `nft -j list ruleset`. */
  const masqRules = async (): Promise<string[]> =>
    parseNftListing(await ns.sh(['nft', '-j', 'list', 'ruleset']))
      .rules.filter((r) => r.table === 'cni_plugins_masquerade' && r.chain === 'masq_checks')
      .map((r) => `${r.text} (${r.comment ?? ''})`);

  beforeAll(async () => {
    ns = await createTestNetns('fw-nft');
  });
  afterAll(async () => {
    await ns?.destroy();
  });

  it('setup creates the Go layout; check passes', async () => {
    const runner = countingRunner(ns.runner);
    const b = nftablesMasquerade(runner);
    await b.setup(one);
    expect(runner.count).toBe(2);
    const listing = parseNftListing(await ns.sh(['nft', '-j', 'list', 'table', 'inet', 'cni_plugins_masquerade']));
    expect(listing.chains.map((c) => [c.name, c.type, c.hook])).toEqual([
      ['masq_checks', undefined, undefined],
      ['postrouting', 'nat', 'postrouting'],
    ]);
    expect(listing.rules.filter((r) => r.chain === 'postrouting').map((r) => r.text)).toEqual([
      'ip daddr == 224.0.0.0/4 return',
      'ip6 daddr == ff00::/8 return',
      'goto masq_checks',
    ]);
    expect(await masqRules()).toEqual([`ip saddr == 192.168.1.1 ip daddr != 192.168.1.0/24 masquerade (${nftMasqComment('unit-test', 'eth0', 'one')})`]);
    await b.check(one);
  });

  it('a repeated setup replaces instead of duplicating', async () => {
    const b = nftablesMasquerade(ns.runner);
    await b.setup(one);
    await b.setup(one);
    expect(await masqRules()).toHaveLength(1);
  });

  it('check fails naming the rule once it is deleted', async () => {
    const b = nftablesMasquerade(ns.runner);
    const listing = parseNftListing(await ns.sh(['nft', '-j', '-a', 'list', 'chain', 'inet', 'cni_plugins_masquerade', 'masq_checks']));
    const handle = listing.rules[0]?.handle;
    await ns.sh(['nft', 'delete', 'rule', 'inet', 'cni_plugins_masquerade', 'masq_checks', 'handle', String(handle)]);
    const err = await b.check(one).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MasqueradeCheckError);
    expect(String((err as Error).message)).toMatch(/ip saddr == 192.168.1.1 ip daddr != 192.168.1.0\/24 masquerade/);
  });

  it('teardown twice is clean and error-free; teardown without addresses works too', async () => {
    const b = nftablesMasquerade(ns.runner);
    const two = pod('two', '192.168.1.2');
    await b.setup(one);
    await b.setup(two);
    await b.teardown(one);
    await b.teardown(one);
    expect(await masqRules()).toEqual([`ip saddr == 192.168.1.2 ip daddr != 192.168.1.0/24 masquerade (${nftMasqComment('unit-test', 'eth0', 'two')})`]);
    await b.teardown({ ...two, ips: [] });
    expect(await masqRules()).toEqual([]);
  });

  it('teardown and gc succeed when the table does not exist', async () => {
    await ns.sh(['nft', 'delete', 'table', 'inet', 'cni_plugins_masquerade']);
    const b = nftablesMasquerade(ns.runner);
    await b.teardown(one);
    await b.gc('unit-test', []);
    await expect(b.check(one)).rejects.toThrow(/table inet cni_plugins_masquerade/);
  });

  it('dual stack: one rule per address, both removed by teardown', async () => {
    const b = nftablesMasquerade(ns.runner);
    const dual = pod('dual', '192.168.1.7', { ips: [parseCidr('192.168.1.7/24'), parseCidr('fd00::7/64')] });
    await b.setup(dual);
    await b.check(dual);
    expect((await masqRules()).map((r) => r.replace(/ \(.*/, ''))).toEqual([
      'ip saddr == 192.168.1.7 ip daddr != 192.168.1.0/24 masquerade',
      'ip6 saddr == fd00::7 ip6 daddr != fd00::/64 masquerade',
    ]);
    await b.teardown(dual);
    expect(await masqRules()).toEqual([]);
  });

  it('gc keeps valid attachments and other networks', async () => {
    const b = nftablesMasquerade(ns.runner);
    const keep = pod('keep', '192.168.1.10');
    const stale = pod('stale', '192.168.1.11');
    const other = pod('stale', '192.168.1.12', { network: 'alternate' });
    for (const p of [keep, stale, other]) await b.setup(p);
    await b.gc('unit-test', [{ containerId: 'keep', ifname: 'eth0' }]);
    await b.check(keep);
    await b.check(other);
    await expect(b.check(stale)).rejects.toBeInstanceOf(MasqueradeCheckError);
    for (const p of [keep, other]) await b.teardown(p);
    expect(await masqRules()).toEqual([]);
  });

  it('works on a table the Go plugin created, and removes the Go plugin’s rules', async () => {
    await ns.sh(['nft', 'delete', 'table', 'inet', 'cni_plugins_masquerade']);
    // the knftables transaction of the Go plugin's ADD
    const goComment = nftMasqComment('unit-test', 'eth0', 'one');
    await ns.sh(
      ['nft', '-f', '-'],
      [
        'add table inet cni_plugins_masquerade { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }',
        'add chain inet cni_plugins_masquerade masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }',
        'add chain inet cni_plugins_masquerade postrouting { type nat hook postrouting priority 100 ; }',
        'flush chain inet cni_plugins_masquerade postrouting',
        'add rule inet cni_plugins_masquerade postrouting ip daddr == 224.0.0.0/4  return',
        'add rule inet cni_plugins_masquerade postrouting ip6 daddr == ff00::/8  return',
        'add rule inet cni_plugins_masquerade postrouting goto masq_checks',
        `add rule inet cni_plugins_masquerade masq_checks ip saddr == 192.168.1.1 ip daddr != 192.168.1.0/24 masquerade comment "${goComment}"`,
        '',
      ].join('\n'),
    );
    const b = nftablesMasquerade(ns.runner);
    await b.check(one);
    await b.setup(pod('two', '192.168.1.2'));
    await b.teardown({ ...one, ips: [] });
    await b.teardown(pod('two', '192.168.1.2'));
    expect(await masqRules()).toEqual([]);
  });
});
