import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_DIR } from '../../host-local/config.ts';
import { masqChainName, masqComment, nftMasqComment, portmapDnatChainName } from '../../firewall/names.ts';
import { DEFAULT_STATE_DIR as FIREWALL_STATE_DIR } from '../../../plugins/firewall/config.ts';
import { DEFAULT_STATE_DIR as PORTMAP_STATE_DIR } from '../../../plugins/portmap/config.ts';
import { DEFAULT_RECORD_DIRS, HOST_LOCAL_DEFAULT_DATA_DIR } from './collect-facts.ts';
import { removedFindings } from './doctor.ts';
import { parseIptablesSave, parseNftRuleset } from './firewall-facts.ts';
import { inspectReport, renderInspect } from './inspect.ts';
import { type Finding, judge, ownerFromComment } from './judge.ts';
import type { AttachmentFact, FirewallFacts, NetworkFacts, NodeFacts } from './node-facts.ts';

// The judgement on hand-written facts: what a cached attachment explains is never found, what
// none explains is, on every kind of state, and a network scope leaves others' state alone.

function att(containerId: string, over: Partial<AttachmentFact> = {}): AttachmentFact {
  return { network: 'net', containerId, ifname: 'eth0', netns: `/run/netns/${containerId}`, netnsExists: true, addresses: [], hostInterfaces: [], ...over };
}

function net(over: Partial<NetworkFacts> = {}): NetworkFacts {
  return {
    name: 'net',
    file: '/etc/cni/net.d/10-net.conflist',
    cniVersion: '1.1.0',
    plugins: ['bridge', 'portmap'],
    bridge: 'cni0',
    hostLocalDirs: ['/data/net'],
    recordDirs: [{ plugin: 'portmap', stateDir: '/state', dir: '/state/net', exists: true }],
    attachments: [],
    reservations: [],
    records: [],
    bridgePorts: [],
    indexFiles: [],
    ...over,
  };
}

const NO_FIREWALL: FirewallFacts = { iptables: undefined, nft: undefined };

function node(networks: NetworkFacts[], firewall: FirewallFacts = NO_FIREWALL, unconfigured: AttachmentFact[] = []): NodeFacts {
  return { networks, unconfigured, firewall, links: [], problems: [] };
}

const kinds = (fs: Finding[]): string[] => fs.map((f) => f.kind);

describe('judge', () => {
  it('finds nothing on a node whose state every cached attachment explains', () => {
    const a = att('c1', { addresses: ['10.1.0.2/24'], hostInterfaces: ['veth1'] });
    const n = net({
      attachments: [a],
      reservations: [{ ip: '10.1.0.2', containerId: 'c1', ifname: 'eth0', file: '/data/net/10.1.0.2' }],
      records: [{ plugin: 'portmap', containerId: 'c1', ifname: 'eth0', file: '/state/net/c1:eth0', backend: 'iptables', mappings: ['80->80/tcp'] }],
      bridgePorts: [{ name: 'veth1', kind: 'veth', peerElsewhere: true }],
    });
    const fw: FirewallFacts = {
      iptables: {
        chains: [{ family: 4, table: 'nat', name: masqChainName('net', 'c1') }, { family: 4, table: 'nat', name: portmapDnatChainName('net', 'c1') }],
        rules: [{ family: 4, table: 'filter', chain: 'CNI-FORWARD', spec: '-s 10.1.0.2/32 -j ACCEPT', target: 'ACCEPT', comment: undefined, source: '10.1.0.2/32', destination: undefined }],
      },
      nft: { chains: [], rules: [{ family: 'inet', table: 'cni_plugins_masquerade', chain: 'masq_checks', handle: 4, comment: nftMasqComment('net', 'eth0', 'c1') }] },
    };
    expect(judge(node([n], fw))).toEqual([]);
  });

  it('finds a reservation, record, veth, chain, rule and nft rule of a container with no cache entry', () => {
    const n = net({
      reservations: [
        { ip: '10.1.0.3', containerId: 'gone', ifname: 'eth0', file: '/data/net/10.1.0.3' },
        { ip: '10.1.0.4', containerId: undefined, ifname: undefined, file: '/data/net/10.1.0.4' },
      ],
      records: [{ plugin: 'portmap', containerId: 'gone', ifname: 'eth0', file: '/state/net/gone:eth0', backend: 'nftables', mappings: [] }],
      bridgePorts: [{ name: 'vethX', kind: 'veth', peerElsewhere: true }],
    });
    const chain = masqChainName('net', 'gone');
    const fw: FirewallFacts = {
      iptables: {
        chains: [{ family: 4, table: 'nat', name: chain }],
        rules: [
          { family: 4, table: 'nat', chain: 'POSTROUTING', spec: `-s 10.1.0.3/32 -j ${chain}`, target: chain, comment: masqComment('net', 'gone'), source: '10.1.0.3/32', destination: undefined },
          { family: 4, table: 'filter', chain: 'CNI-FORWARD', spec: '-s 10.1.0.3/32 -j ACCEPT', target: 'ACCEPT', comment: undefined, source: '10.1.0.3/32', destination: undefined },
        ],
      },
      nft: { chains: [], rules: [{ family: 'ip', table: 'cni_hostport', chain: 'hostports', handle: 9, comment: nftMasqComment('net', 'eth0', 'gone') }] },
    };
    const found = judge(node([n], fw));
    expect(kinds(found)).toEqual(['orphan-reservation', 'orphan-reservation', 'orphan-record', 'orphan-veth', 'orphan-iptables-chain', 'orphan-iptables-rule', 'orphan-nft-rule']);
    expect(found.find((f) => f.kind === 'orphan-iptables-chain')).toMatchObject({ chain, network: 'net', containerId: 'gone' });
  });

  it('reports a cache entry whose netns is gone once, not what it explains (its DEL removes that)', () => {
    const a = att('c2', { netnsExists: false, hostInterfaces: ['veth2'] });
    const n = net({ attachments: [a], reservations: [{ ip: '10.1.0.5', containerId: 'c2', ifname: 'eth0', file: '/data/net/10.1.0.5' }] });
    const fw: FirewallFacts = { iptables: { chains: [{ family: 4, table: 'nat', name: masqChainName('net', 'c2') }], rules: [] }, nft: undefined };
    expect(judge(node([n], fw))).toEqual([{ kind: 'stale-attachment', network: 'net', containerId: 'c2', ifname: 'eth0', netns: '/run/netns/c2' }]);
  });

  it('never judges what it cannot tell: no netns cached, a port an admin added, legacy holders of a cached container', () => {
    const n = net({
      attachments: [att('c3', { netns: undefined, netnsExists: undefined })],
      reservations: [{ ip: '10.1.0.6', containerId: 'c3', ifname: undefined, file: '/data/net/10.1.0.6' }],
      bridgePorts: [
        { name: 'uplink', kind: 'veth', peerElsewhere: false },
        { name: 'vxlan0', kind: 'vxlan', peerElsewhere: false },
      ],
    });
    expect(judge(node([n]))).toEqual([]);
  });

  it('a veth or chain explained by another network sharing the bridge is no leak; a scope hides other networks', () => {
    const other = net({ name: 'other', attachments: [att('o1', { network: 'other', hostInterfaces: ['vethO'] })] });
    const n = net({ bridgePorts: [{ name: 'vethO', kind: 'veth', peerElsewhere: true }] });
    const chain = masqChainName('third', 'x');
    const fw: FirewallFacts = {
      iptables: { chains: [{ family: 4, table: 'nat', name: chain }], rules: [{ family: 4, table: 'nat', chain: 'POSTROUTING', spec: '', target: chain, comment: masqComment('third', 'x'), source: undefined, destination: undefined }] },
      nft: undefined,
    };
    expect(kinds(judge(node([n, other], fw)))).toEqual(['orphan-iptables-chain']);
    expect(judge(node([n, other], fw), { network: 'net' })).toEqual([]);
    expect(kinds(judge(node([n, other], fw), { network: 'third' }))).toEqual(['orphan-iptables-chain']);
  });

  it("judges portmap's nft rules by their bare container-ID comment (Go v1.9's layout), node-wide only", () => {
    const rule = (handle: number, comment: string) => ({ family: 'ip', table: 'cni_hostport', chain: 'hostports', handle, comment });
    const fw: FirewallFacts = { iptables: undefined, nft: { chains: [], rules: [rule(1, 'c1'), rule(2, 'gone'), { ...rule(3, 'gone'), table: 'other' }] } };
    const n = net({ attachments: [att('c1')] });
    expect(judge(node([n], fw))).toEqual([{ kind: 'orphan-nft-rule', family: 'ip', table: 'cni_hostport', chain: 'hostports', handle: 2, comment: 'gone' }]);
    // the comment names no network: a network scope cannot tell whose it is
    expect(judge(node([n], fw), { network: 'net' })).toEqual([]);
  });

  it('an attachment cached for a network with no configuration still explains its state', () => {
    const fw: FirewallFacts = { iptables: { chains: [{ family: 4, table: 'nat', name: masqChainName('old', 'c9') }], rules: [] }, nft: undefined };
    expect(judge(node([net()], fw, [att('c9', { network: 'old' })]))).toEqual([]);
  });

  it('--for-downgrade: index files always; the localnet guard and state dirs only when no live attachment needs them', () => {
    const guardFw: FirewallFacts = {
      iptables: { chains: [{ family: 4, table: 'filter', name: 'CNI-HOSTPORT-LOCALNET' }], rules: [] },
      nft: { chains: [{ family: 'ip', table: 'cni_hostport', name: 'localnet_input' }], rules: [] },
    };
    const idle = net({ indexFiles: ['/data/net/.cni-ts-index'] });
    expect(judge(node([idle], guardFw), { forDowngrade: true }).map((f) => (f.kind === 'downgrade-leftover' ? f.what : f.kind))).toEqual([
      'host-local-index',
      'localnet-guard-iptables',
      'localnet-guard-nft',
      'state-dir',
    ]);
    const busy = net({
      attachments: [att('c1')],
      records: [{ plugin: 'portmap', containerId: 'c1', ifname: 'eth0', file: '/state/net/c1:eth0', backend: 'iptables', mappings: ['80->80/tcp'] }],
    });
    expect(judge(node([busy], guardFw), { forDowngrade: true })).toEqual([]);
    expect(judge(node([idle], guardFw))).toEqual([]);
  });
});

describe('ownerFromComment', () => {
  it.each([
    ['name: "net" id: "c1"', { network: 'net', containerId: 'c1' }],
    ['dnat name: "net" id: "c1"', { network: 'net', containerId: 'c1' }],
    ['CNI portfwd requiring masquerade', undefined],
    [undefined, undefined],
  ])('%j', (comment, owner) => expect(ownerFromComment(comment)).toEqual(owner));
});

describe('firewall listings as facts', () => {
  it('reads chains and rules of iptables-save with their target, comment, source and destination', () => {
    const text = [
      '*nat',
      ':POSTROUTING ACCEPT [0:0]',
      ':CNI-abc - [0:0]',
      '-A POSTROUTING -s 10.1.0.2/32 -m comment --comment "name: \\"net\\" id: \\"c1\\"" -j CNI-abc',
      '-A CNI-abc -d 10.1.0.0/24 -j ACCEPT',
      'COMMIT',
    ].join('\n');
    const facts = parseIptablesSave(text, 4, 'nat');
    expect(facts.chains.map((c) => c.name)).toEqual(['POSTROUTING', 'CNI-abc']);
    expect(facts.rules[0]).toMatchObject({ chain: 'POSTROUTING', target: 'CNI-abc', source: '10.1.0.2/32', comment: 'name: "net" id: "c1"' });
    expect(facts.rules[1]).toMatchObject({ destination: '10.1.0.0/24' });
  });

  it('keeps only the cni tables of an nft ruleset', () => {
    const doc = {
      nftables: [
        { chain: { family: 'ip', table: 'cni_hostport', name: 'hostports' } },
        { chain: { family: 'inet', table: 'filter', name: 'input' } },
        { rule: { family: 'ip', table: 'cni_hostport', chain: 'hostports', handle: 7, comment: 'x', expr: [] } },
        { rule: { family: 'inet', table: 'filter', chain: 'input', handle: 2, expr: [] } },
      ],
    };
    expect(parseNftRuleset(JSON.stringify(doc))).toEqual({
      chains: [{ family: 'ip', table: 'cni_hostport', name: 'hostports' }],
      rules: [{ family: 'ip', table: 'cni_hostport', chain: 'hostports', handle: 7, comment: 'x' }],
    });
    expect(() => parseNftRuleset('{not json')).toThrow(SyntaxError);
  });
});

describe('inspect report', () => {
  it('is version 1 and shows each attachment with its mappings and firewall backend', () => {
    const a = att('c1', { addresses: ['10.1.0.2/24'], hostInterfaces: ['cni0', 'veth1'] });
    const n = net({ attachments: [a], records: [{ plugin: 'portmap', containerId: 'c1', ifname: 'eth0', file: '/state/net/c1:eth0', backend: 'nftables', mappings: ['8080->80/tcp'] }] });
    const fw: FirewallFacts = { iptables: { chains: [], rules: [] }, nft: { chains: [], rules: [{ family: 'ip', table: 'cni_hostport', chain: 'hostports', handle: 1, comment: nftMasqComment('net', 'eth0', 'c1') }] } };
    const report = inspectReport(node([n], fw));
    expect(report.version).toBe(1);
    expect(report.networks[0]?.attachments[0]).toEqual({
      containerId: 'c1',
      ifname: 'eth0',
      netns: '/run/netns/c1',
      netnsExists: true,
      addresses: ['10.1.0.2/24'],
      hostInterfaces: ['veth1'],
      portMappings: ['8080->80/tcp'],
      firewall: ['nftables'],
    });
    const human = renderInspect(report).split('\n');
    expect(human[0]).toBe('network net: version 1.1.0, plugins bridge,portmap, bridge cni0 (/etc/cni/net.d/10-net.conflist)');
    expect(human[1]?.split(/ {2,}/)).toEqual(['', 'CONTAINER', 'IFNAME', 'NETNS', 'ADDRESSES', 'PORTS', 'FIREWALL']);
    expect(human[2]?.split(/ {2,}/)).toEqual(['', 'c1', 'eth0', '/run/netns/c1', '10.1.0.2/24', '8080->80/tcp', 'nftables']);
    expect(inspectReport(node([n], fw), 'nosuch').networks).toEqual([]);
  });
});

describe('doctor', () => {
  it('counts as removed what a later look no longer finds', () => {
    const a: Finding = { kind: 'orphan-veth', network: 'n', bridge: 'b', name: 'v1' };
    const b: Finding = { kind: 'orphan-veth', network: 'n', bridge: 'b', name: 'v2' };
    expect(removedFindings([a, b], [b])).toEqual([a]);
  });

  it('looks where the plugins keep their state by default', () => {
    expect(HOST_LOCAL_DEFAULT_DATA_DIR).toBe(DEFAULT_DATA_DIR);
    expect(DEFAULT_RECORD_DIRS).toEqual({ portmap: PORTMAP_STATE_DIR, firewall: FIREWALL_STATE_DIR });
  });
});
