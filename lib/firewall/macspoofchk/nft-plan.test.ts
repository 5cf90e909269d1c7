import { describe, expect, it } from 'vitest';
import { spoofCheckMissing, spoofCheckSetupJson, spoofCheckTeardownJson, staleSpoofChecksJson } from './nft-plan.ts';

const a = { containerId: 'c.1_x', ifname: 'eth0', hostVeth: 'veth01234567', mac: '0a:00:00:00:00:01' };

describe('spoofCheckSetupJson', () => {
  it('writes the reference layout in one transaction', () => {
    const cmds = (JSON.parse(spoofCheckSetupJson(a)) as { nftables: Record<string, any>[] }).nftables;
    expect(cmds[1]).toEqual({ add: { chain: { family: 'bridge', table: 'nat', name: 'PREROUTING', type: 'filter', hook: 'prerouting', prio: -300, policy: 'accept' } } });
    const rules = cmds.filter((c) => c.add?.rule).map((c) => c.add.rule);
    expect(rules.map((r) => r.chain)).toEqual(['PREROUTING', 'cni-br-iface-c.1_x-eth0', 'cni-br-iface-c.1_x-eth0-mac', 'cni-br-iface-c.1_x-eth0-mac']);
    expect(new Set(rules.map((r) => r.comment))).toEqual(new Set(['macspoofchk-c.1_x-eth0']));
    expect(JSON.stringify(rules[0].expr)).toContain('"right":"veth01234567"');
    expect(JSON.stringify(rules[2].expr)).toContain('"right":"0a:00:00:00:00:01"');
    expect(rules[3].expr).toEqual([{ drop: null }]);
    expect(cmds.filter((c) => c.flush).map((c) => c.flush.chain.name)).toEqual(['cni-br-iface-c.1_x-eth0', 'cni-br-iface-c.1_x-eth0-mac']);
  });
});

describe('spoofCheckTeardownJson', () => {
  const listing = (items: unknown[]) => JSON.stringify({ nftables: [{ metainfo: {} }, ...items] });
  it('deletes the jumps by handle and both chains, the iface chain first', () => {
    const text = spoofCheckTeardownJson(
      listing([
        { chain: { family: 'bridge', table: 'nat', name: 'PREROUTING' } },
        { chain: { family: 'bridge', table: 'nat', name: 'cni-br-iface-c.1_x-eth0' } },
        { chain: { family: 'bridge', table: 'nat', name: 'cni-br-iface-c.1_x-eth0-mac' } },
        { rule: { chain: 'PREROUTING', handle: 4, comment: 'macspoofchk-c.1_x-eth0' } },
        { rule: { chain: 'PREROUTING', handle: 5, comment: 'macspoofchk-other-eth0' } },
        { rule: { chain: 'PREROUTING', handle: 8, comment: 'macspoofchk-c.1_x-eth0' } },
      ]),
      a,
    );
    expect(JSON.parse(text ?? '{}').nftables).toEqual([
      { delete: { rule: { family: 'bridge', table: 'nat', chain: 'PREROUTING', handle: 4 } } },
      { delete: { rule: { family: 'bridge', table: 'nat', chain: 'PREROUTING', handle: 8 } } },
      { delete: { chain: { family: 'bridge', table: 'nat', name: 'cni-br-iface-c.1_x-eth0' } } },
      { delete: { chain: { family: 'bridge', table: 'nat', name: 'cni-br-iface-c.1_x-eth0-mac' } } },
    ]);
  });
  it('deletes only what exists, and nothing when nothing is ours', () => {
    const onlyMac = spoofCheckTeardownJson(listing([{ chain: { name: 'cni-br-iface-c.1_x-eth0-mac' } }]), a);
    expect(JSON.parse(onlyMac ?? '{}').nftables).toEqual([{ delete: { chain: { family: 'bridge', table: 'nat', name: 'cni-br-iface-c.1_x-eth0-mac' } } }]);
    expect(spoofCheckTeardownJson(listing([{ chain: { name: 'PREROUTING' } }]), a)).toBeUndefined();
  });
});

describe('spoofCheckMissing', () => {
  const listing = (items: unknown[]) => JSON.stringify({ nftables: [{ metainfo: {} }, ...items] });
  const complete = [
    { chain: { name: 'PREROUTING' } },
    { chain: { name: 'cni-br-iface-c.1_x-eth0' } },
    { chain: { name: 'cni-br-iface-c.1_x-eth0-mac' } },
    { rule: { chain: 'PREROUTING', handle: 4, comment: 'macspoofchk-c.1_x-eth0' } },
    { rule: { chain: 'cni-br-iface-c.1_x-eth0', handle: 5, comment: 'macspoofchk-c.1_x-eth0' } },
    { rule: { chain: 'cni-br-iface-c.1_x-eth0-mac', handle: 6, comment: 'macspoofchk-c.1_x-eth0' } },
  ];
  it('finds nothing missing in what setup writes', () => {
    expect(spoofCheckMissing(listing(complete), a)).toEqual([]);
  });
  it('names the missing chain, rules and jump', () => {
    expect(spoofCheckMissing(listing(complete.slice(0, 2)), a)).toEqual([
      'rules of chain cni-br-iface-c.1_x-eth0',
      'chain cni-br-iface-c.1_x-eth0-mac',
      'jump from PREROUTING for veth01234567',
    ]);
  });
});

describe('staleSpoofChecksJson', () => {
  const listing = (items: unknown[]) => JSON.stringify({ nftables: [{ metainfo: {} }, ...items] });
  const jump = (cid: string, veth: string, handle: number) => ({
    rule: {
      chain: 'PREROUTING',
      handle,
      comment: `macspoofchk-${cid}-eth0`,
      expr: [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: veth } }, { jump: { target: `cni-br-iface-${cid}-eth0` } }],
    },
  });
  const checkOf = (cid: string, veth: string, handle: number) => [
    { chain: { name: `cni-br-iface-${cid}-eth0` } },
    { chain: { name: `cni-br-iface-${cid}-eth0-mac` } },
    jump(cid, veth, handle),
  ];
  const all = listing([{ chain: { name: 'PREROUTING' } }, ...checkOf('keep', 'vethkeep', 4), ...checkOf('stale', 'vethstale', 5), ...checkOf('foreign', 'vethother', 6)]);
  const ours = (veth: string) => veth !== 'vethother';

  it('deletes the checks not in the valid list whose veth is ours, jump first, iface chain before mac chain', () => {
    const text = staleSpoofChecksJson(all, [{ containerId: 'keep', ifname: 'eth0' }], ours);
    expect(JSON.parse(text ?? '{}').nftables).toEqual([
      { delete: { rule: { family: 'bridge', table: 'nat', chain: 'PREROUTING', handle: 5 } } },
      { delete: { chain: { family: 'bridge', table: 'nat', name: 'cni-br-iface-stale-eth0' } } },
      { delete: { chain: { family: 'bridge', table: 'nat', name: 'cni-br-iface-stale-eth0-mac' } } },
    ]);
  });
  it('removes nothing when every check is valid or on another network\'s interface', () => {
    const valid = [
      { containerId: 'keep', ifname: 'eth0' },
      { containerId: 'stale', ifname: 'eth0' },
    ];
    expect(staleSpoofChecksJson(all, valid, ours)).toBeUndefined();
    expect(staleSpoofChecksJson(all, [], () => false)).toBeUndefined();
  });
  it('leaves chains without a jump alone (nothing tells their network) and other rules of the base chain', () => {
    const text = listing([{ chain: { name: 'cni-br-iface-lone-eth0' } }, { rule: { chain: 'PREROUTING', handle: 9, comment: 'someone else', expr: [] } }]);
    expect(staleSpoofChecksJson(text, [], () => true)).toBeUndefined();
  });
});
