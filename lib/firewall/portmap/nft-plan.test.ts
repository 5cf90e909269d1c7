import { describe, expect, it } from 'vitest';
import type { NftListing } from '../nft-json.ts';
import {
  legacyNftOwnerComment,
  nftBaseCommands,
  nftContainerRules,
  nftDeleteRules,
  nftMissing,
  nftOwnerComment,
  nftOwnerKey,
  nftSetupFast,
  nftSetupWithBase,
  ownedRules,
  ownsRule,
  staleRules,
} from './nft-plan.ts';
import { familyViews } from './spec.ts';
import type { PortmapSpec } from './types.ts';
import { parseCidr } from '../../addr/index.ts';

const CID = '87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06';

function spec(over: Partial<PortmapSpec> = {}): PortmapSpec {
  return {
    network: 'cnianchor-podnet',
    containerId: CID,
    ifname: 'eth0',
    mappings: [{ hostPort: 8081, containerPort: 80, protocol: 'tcp' }],
    containerIPv4: parseCidr('10.203.0.2/16'),
    snat: true,
    masqAll: false,
    markMasqBit: 13,
    ...over,
  };
}

const KEY = nftOwnerKey(spec());
const COMMENT = nftOwnerComment(spec());
const LEGACY = legacyNftOwnerComment(spec());

function listing(rules: Array<{ chain: string; comment?: string; text: string; handle?: number; family?: string }>, chains?: string[]): NftListing {
  return {
    chains: (chains ?? ['hostports', 'hostip_hostports', 'hostports_all', 'prerouting', 'output', 'masquerading', 'localnet_input', 'localnet_output']).map(
      (name) => ({ family: 'ip', table: 'cni_hostport', name, type: undefined, hook: undefined }),
    ),
    rules: rules.map((r, i) => ({ family: r.family ?? 'ip', table: 'cni_hostport', chain: r.chain, handle: r.handle ?? i + 10, comment: r.comment, text: r.text })),
  };
}

describe('nft portmap ownership comments', () => {
  it('nftOwnerComment is the container ID alone, the comment Go’s DEL deletes by', () => {
    expect(COMMENT).toBe(CID);
    expect(nftOwnerComment({ ...spec(), ifname: 'net1', network: 'other' })).toBe(CID);
  });

  it('nftOwnerComment falls back to the legacy key comment for an ID nft cannot carry as a comment', () => {
    const long = { ...spec(), containerId: 'a'.repeat(129) };
    expect(nftOwnerComment(long)).toBe(legacyNftOwnerComment(long));
    expect(nftOwnerComment({ ...spec(), containerId: 'a'.repeat(128) })).toBe('a'.repeat(128));
    const quoted = { ...spec(), containerId: 'a"b' };
    expect(nftOwnerComment(quoted)).toBe(legacyNftOwnerComment(quoted));
    expect(nftOwnerComment(quoted)).not.toContain('"');
  });

  it('legacyNftOwnerComment starts with a fixed-length key of network, ifname and container ID, then a readable part', () => {
    expect(KEY).toMatch(/^[0-9a-f]{16}-[0-9a-f]{16}$/);
    // the readable part is cut at nft's 128 bytes; the key is never cut
    expect(LEGACY).toBe(`${KEY}, net: cnianchor-podnet, if: eth0, id: ${CID}`.slice(0, 128));
    expect(nftOwnerKey({ ...spec(), ifname: 'net1' })).not.toBe(KEY);
    expect(nftOwnerKey({ ...spec(), network: 'other' }).slice(0, 16)).not.toBe(KEY.slice(0, 16));
  });

  it('legacyNftOwnerComment fits nft’s 128 bytes and drops quotes', () => {
    const c = legacyNftOwnerComment({ network: 'n"'.repeat(100), containerId: 'c', ifname: 'eth0' });
    expect(Buffer.byteLength(c)).toBeLessThanOrEqual(128);
    expect(c).not.toContain('"');
  });

  it('ownsRule matches the legacy key, and the container-ID comment (ours and Go’s) only with one of our addresses when they are known', () => {
    const owner = spec();
    expect(ownsRule({ comment: LEGACY, text: 'x' }, owner, ['10.203.0.2'])).toBe(true);
    expect(ownsRule({ comment: LEGACY.slice(0, 20), text: 'x' }, owner, undefined)).toBe(false);
    expect(ownsRule({ comment: `${KEY}, truncated`, text: 'x' }, owner, undefined)).toBe(true);
    const goRule = { comment: CID, text: 'tcp dport == 8081 {"dnat":{"addr":"10.203.0.2","port":80}}' };
    expect(ownsRule(goRule, owner, ['10.203.0.2'])).toBe(true);
    expect(ownsRule(goRule, owner, ['10.203.0.20'])).toBe(false);
    expect(ownsRule(goRule, owner, undefined)).toBe(true);
    expect(ownsRule({ comment: 'other', text: '10.203.0.2' }, owner, undefined)).toBe(false);
  });
});

describe('nft portmap rules', () => {
  it('IPv4: one DNAT per mapping, hairpin and localhost masquerade, all carrying the owner comment', () => {
    const v = familyViews(spec({ mappings: [...spec().mappings, { hostPort: 53, containerPort: 5353, protocol: 'udp', hostIP: '192.0.2.1' }] }))[0]!;
    expect(nftContainerRules(spec(), v)).toEqual([
      { chain: 'hostports', rule: `meta l4proto tcp th dport 8081 dnat to 10.203.0.2:80 comment "${COMMENT}"` },
      { chain: 'hostports', rule: `ip daddr 192.0.2.1 meta l4proto udp th dport 53 dnat to 10.203.0.2:5353 comment "${COMMENT}"` },
      { chain: 'masquerading', rule: `ip saddr 10.203.0.2 ip daddr 10.203.0.2 masquerade comment "${COMMENT}"` },
      { chain: 'masquerading', rule: `ip saddr 127.0.0.1 ip daddr 10.203.0.2 masquerade comment "${COMMENT}"` },
    ]);
  });

  it('IPv6 uses [ip]:port and no localhost rule; conditions go on the DNAT rules only', () => {
    const s = spec({ containerIPv6: parseCidr('fd00::2/64'), conditionsV6: ['iifname', '"eth1"'] });
    const v6 = familyViews(s).find((v) => v.family === 6)!;
    expect(nftContainerRules(s, v6)).toEqual([
      { chain: 'hostports', rule: `iifname "eth1" meta l4proto tcp th dport 8081 dnat to [fd00::2]:80 comment "${COMMENT}"` },
      { chain: 'masquerading', rule: `ip6 saddr fd00::2 ip6 daddr fd00::2 masquerade comment "${COMMENT}"` },
    ]);
  });

  it('masqAll masquerades every DNATed connection to the container; snat false adds no masquerade', () => {
    const v = familyViews(spec())[0]!;
    expect(nftContainerRules(spec({ masqAll: true }), v).filter((r) => r.chain === 'masquerading')).toEqual([
      { chain: 'masquerading', rule: `ip daddr 10.203.0.2 ct status dnat masquerade comment "${COMMENT}"` },
    ]);
    expect(nftContainerRules(spec({ snat: false }), v).map((r) => r.chain)).toEqual(['hostports']);
  });

  it('nftSetupFast holds only the container’s rules, plus the guard probe for IPv4 with snat', () => {
    const s = spec({ containerIPv6: parseCidr('fd00::2/64') });
    const text = nftSetupFast(s, familyViews(s));
    expect(text.split('\n')).toEqual([
      'add element ip cni_hostport localnet { 127.0.0.0/8 }',
      `add rule ip cni_hostport hostports meta l4proto tcp th dport 8081 dnat to 10.203.0.2:80 comment "${COMMENT}"`,
      `add rule ip cni_hostport masquerading ip saddr 10.203.0.2 ip daddr 10.203.0.2 masquerade comment "${COMMENT}"`,
      `add rule ip cni_hostport masquerading ip saddr 127.0.0.1 ip daddr 10.203.0.2 masquerade comment "${COMMENT}"`,
      `add rule ip6 cni_hostport hostports meta l4proto tcp th dport 8081 dnat to [fd00::2]:80 comment "${COMMENT}"`,
      `add rule ip6 cni_hostport masquerading ip6 saddr fd00::2 ip6 daddr fd00::2 masquerade comment "${COMMENT}"`,
      '',
    ]);
    expect(text).not.toMatch(/flush|add chain|add table/);
  });

  it('nftBaseCommands writes the Go layout, dispatch without conditions, and the IPv4 localnet guard', () => {
    const v4 = nftBaseCommands(4, { masquerading: true, localnetGuard: true });
    expect(v4).toContain('add table ip cni_hostport { comment "CNI portmap plugin" ; }');
    expect(v4).toContain('add chain ip cni_hostport prerouting { type nat hook prerouting priority dstnat ; }');
    expect(v4).toContain('add chain ip cni_hostport output { type nat hook output priority -100 ; }');
    expect(v4).toContain('add chain ip cni_hostport masquerading { type nat hook postrouting priority srcnat ; }');
    expect(v4).toContain('add rule ip cni_hostport prerouting fib daddr type local jump hostports_all');
    expect(v4).toContain('add rule ip cni_hostport output fib daddr type local jump hostports_all');
    expect(v4.filter((l) => l.includes('hostports_all jump'))).toEqual([
      'add rule ip cni_hostport hostports_all jump hostip_hostports',
      'add rule ip cni_hostport hostports_all jump hostports',
    ]);
    expect(v4.find((l) => l.startsWith('add rule ip cni_hostport localnet_input'))).toBe(
      'add rule ip cni_hostport localnet_input ip daddr @localnet ip saddr != @localnet ct state & (established | related) == 0 ' +
        'ct status & dnat == 0 drop comment "CNI portmap: block incoming localnet connections"',
    );
    const v6 = nftBaseCommands(6, { masquerading: false, localnetGuard: true });
    expect(v6.join('\n')).not.toMatch(/localnet|masquerading/);
    expect(v6[0]).toBe('add table ip6 cni_hostport { comment "CNI portmap plugin" ; }');
  });

  it('nftSetupWithBase puts each family’s base before its container rules', () => {
    const text = nftSetupWithBase(spec(), familyViews(spec()));
    expect(text.indexOf('add table ip cni_hostport')).toBeLessThan(text.indexOf('add rule ip cni_hostport hostports meta'));
  });

  it('nftDeleteRules deletes by handle per family', () => {
    expect(nftDeleteRules([{ family: 'ip6', chain: 'hostports', handle: 7 }])).toBe('delete rule ip6 cni_hostport hostports handle 7\n');
  });
});

describe('nft portmap listings: owned, stale, missing', () => {
  const ours = [
    { chain: 'hostports', comment: COMMENT, text: 'tcp dport == 8081 {"dnat":{"addr":"10.203.0.2","port":80}}' },
    { chain: 'masquerading', comment: COMMENT, text: 'ip saddr == 10.203.0.2 ip daddr == 10.203.0.2 masquerade' },
    { chain: 'masquerading', comment: COMMENT, text: 'ip saddr == 127.0.0.1 ip daddr == 10.203.0.2 masquerade' },
  ];
  const base = [
    { chain: 'hostports_all', text: 'jump hostip_hostports' },
    { chain: 'hostports_all', text: 'jump hostports' },
    { chain: 'prerouting', text: '{"match":{}} jump hostports_all' },
    { chain: 'output', text: '{"match":{}} jump hostports_all' },
    { chain: 'localnet_input', comment: 'CNI portmap: block incoming localnet connections', text: 'drop' },
    { chain: 'localnet_output', comment: 'CNI portmap: block incoming localnet connections', text: 'drop' },
  ];

  it('ownedRules picks ours only from the rule chains', () => {
    const other = { chain: 'hostports', comment: nftOwnerComment({ ...spec(), containerId: 'x' }), text: 'tcp dport == 1' };
    const l = listing([...base, ...ours, other, { chain: 'prerouting', comment: COMMENT, text: 'weird' }]);
    expect(ownedRules(l, spec(), ['10.203.0.2']).map((r) => r.text)).toEqual(ours.map((r) => r.text));
  });

  it('staleRules picks this network’s legacy-keyed rules whose attachment is not valid; container-ID comments name no network', () => {
    const keep = legacyNftOwnerComment({ network: 'cnianchor-podnet', containerId: 'keep', ifname: 'eth0' });
    const otherNet = legacyNftOwnerComment({ network: 'othernet', containerId: 'gone', ifname: 'eth0' });
    const legacy = ours.map((r) => ({ ...r, comment: LEGACY }));
    const l = listing([...legacy, ...ours, { chain: 'hostports', comment: keep, text: 'k' }, { chain: 'hostports', comment: otherNet, text: 'o' }]);
    expect(staleRules(l, 'cnianchor-podnet', [{ containerId: 'keep', ifname: 'eth0' }]).map((r) => r.comment)).toEqual([LEGACY, LEGACY, LEGACY]);
    expect(staleRules(l, 'cnianchor-podnet', [{ containerId: CID, ifname: 'eth0' }, { containerId: 'keep', ifname: 'eth0' }])).toEqual([]);
  });

  it('nftMissing is empty for a complete table and names each missing piece otherwise', () => {
    const v = familyViews(spec())[0]!;
    expect(nftMissing(spec(), v, listing([...base, ...ours]))).toEqual([]);
    const missing = nftMissing(spec(), v, listing([...base.slice(0, 2), ours[1]!], ['hostports', 'hostports_all', 'prerouting', 'output', 'masquerading']));
    expect(missing).toEqual([
      'ip cni_hostport: chain hostip_hostports',
      'ip cni_hostport: chain localnet_input',
      'ip cni_hostport: chain localnet_output',
      'ip cni_hostport prerouting: jump hostports_all',
      'ip cni_hostport output: jump hostports_all',
      'ip cni_hostport hostports: tcp *:8081 -> 10.203.0.2:80',
      'ip cni_hostport masquerading: 1 masquerade rule(s) for 10.203.0.2',
    ]);
  });
});
