import { describe, expect, it } from 'vitest';
import { MasqueradeCheckError } from '../errors.ts';
import { recordingRunner } from '../../testing/recording-runner.ts';
import { CommandError } from '../runner.ts';
import type { MasqSpec } from './types.ts';
import { nftMasqComment } from '../names.ts';
import { nftablesMasquerade } from './nft-backend.ts';
import { parseCidr } from '../../addr/index.ts';

const spec: MasqSpec = {
  network: 'unit-test',
  containerId: 'one',
  ifname: 'eth0',
  ips: [parseCidr('192.168.1.1/24')],
};
const comment = '6fd94d501e58f0aa-287fc69eff0574a2, net: unit-test, if: eth0, id: one';
const head = [
  'add table inet cni_plugins_masquerade { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }',
  'add chain inet cni_plugins_masquerade masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }',
  'add chain inet cni_plugins_masquerade postrouting { type nat hook postrouting priority srcnat ; }',
  'flush chain inet cni_plugins_masquerade postrouting',
  'add rule inet cni_plugins_masquerade postrouting ip daddr == 224.0.0.0/4 return',
  'add rule inet cni_plugins_masquerade postrouting ip6 daddr == ff00::/8 return',
  'add rule inet cni_plugins_masquerade postrouting goto masq_checks',
];
const noTable = { exitCode: 1, stderr: 'Error: No such file or directory\nlist chain inet cni_plugins_masquerade masq_checks\n' };
const listArgv = 'nft -j -a list chain inet cni_plugins_masquerade masq_checks';

function rule(handle: number, comment: string, ip = '192.168.1.1', net = '192.168.1.0', len = 24, proto = 'ip'): unknown {
  return {
    rule: {
      family: 'inet',
      table: 'cni_plugins_masquerade',
      chain: 'masq_checks',
      handle,
      comment,
      expr: [
        { match: { op: '==', left: { payload: { protocol: proto, field: 'saddr' } }, right: ip } },
        { match: { op: '!=', left: { payload: { protocol: proto, field: 'daddr' } }, right: { prefix: { addr: net, len } } } },
        { masquerade: null },
      ],
    },
  };
}
function listing(...items: unknown[]): { stdout: string } {
  return { stdout: JSON.stringify({ nftables: [{ metainfo: { json_schema_version: 1 } }, ...items] }) };
}
const baseChain = { chain: { family: 'inet', table: 'cni_plugins_masquerade', name: 'postrouting', handle: 2, type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' } };
const gotoRule = { rule: { family: 'inet', table: 'cni_plugins_masquerade', chain: 'postrouting', handle: 5, expr: [{ goto: { target: 'masq_checks' } }] } };

describe('nftablesMasquerade', () => {
  it('setup on an empty host lists masq_checks, then writes the Go layout in one transaction (IPv4)', async () => {
    const runner = recordingRunner((a) => (a[1] === '-j' ? noTable : undefined));
    await nftablesMasquerade(runner).setup(spec);
    expect(runner.calls.map((x) => x.argv.join(' '))).toEqual([listArgv, 'nft -f -']);
    expect(runner.calls[1]?.input).toBe(
      [...head, `add rule inet cni_plugins_masquerade masq_checks ip saddr == 192.168.1.1 ip daddr != 192.168.1.0/24 masquerade comment "${comment}"`, ''].join('\n'),
    );
  });

  it('setup writes one rule per address for dual stack, IPv6 with ip6 and the masked subnet', async () => {
    const runner = recordingRunner((a) => (a[1] === '-j' ? noTable : undefined));
    await nftablesMasquerade(runner).setup({ ...spec, ips: [...spec.ips, parseCidr('fd00:0::5/64')] });
    expect(runner.calls[1]?.input?.split('\n').slice(head.length)).toEqual([
      `add rule inet cni_plugins_masquerade masq_checks ip saddr == 192.168.1.1 ip daddr != 192.168.1.0/24 masquerade comment "${comment}"`,
      `add rule inet cni_plugins_masquerade masq_checks ip6 saddr == fd00::5 ip6 daddr != fd00::/64 masquerade comment "${comment}"`,
      '',
    ]);
  });

  it('a repeated setup replaces the attachment’s stale rules in the same transaction', async () => {
    const runner = recordingRunner((a) => (a[1] === '-j' ? listing(rule(7, comment), rule(8, nftMasqComment('unit-test', 'eth1', 'one')), rule(9, `${comment} (old)`)) : undefined));
    await nftablesMasquerade(runner).setup(spec);
    const lines = runner.calls[1]?.input?.split('\n') ?? [];
    expect(lines.filter((l) => l.startsWith('delete'))).toEqual([
      'delete rule inet cni_plugins_masquerade masq_checks handle 7',
      'delete rule inet cni_plugins_masquerade masq_checks handle 9',
    ]);
  });

  it('setup with replaceStale false is a single exec', async () => {
    const runner = recordingRunner();
    await nftablesMasquerade(runner, { replaceStale: false }).setup(spec);
    expect(runner.calls.map((x) => x.argv.join(' '))).toEqual(['nft -f -']);
  });

  it('setup failure is a CommandError with nft’s message', async () => {
    const runner = recordingRunner((a) => (a[1] === '-j' ? noTable : { exitCode: 1, stderr: 'Error: Could not process rule: Operation not permitted' }));
    await expect(nftablesMasquerade(runner).setup(spec)).rejects.toThrow(CommandError);
  });

  it('teardown deletes the attachment’s rules by handle and nothing else', async () => {
    const runner = recordingRunner((a) => (a[1] === '-j' ? listing(rule(7, comment), rule(8, nftMasqComment('unit-test', 'eth0', 'two'))) : undefined));
    await nftablesMasquerade(runner).teardown({ ...spec, ips: [] });
    expect(runner.calls.map((x) => x.argv.join(' '))).toEqual([listArgv, 'nft -f -']);
    expect(runner.calls[1]?.input).toBe('delete rule inet cni_plugins_masquerade masq_checks handle 7\n');
  });

  it('teardown with no table, no rules or no nft at all is a success after one listing', async () => {
    for (const answer of [noTable, listing(), { exitCode: 127, stderr: 'ENOENT' }]) {
      const runner = recordingRunner(() => answer);
      await nftablesMasquerade(runner).teardown(spec);
      expect(runner.calls).toHaveLength(1);
    }
  });

  it('teardown re-lists once when a handle vanished concurrently', async () => {
    let lists = 0;
    const runner = recordingRunner((a) => {
      if (a[1] !== '-j') return { exitCode: 1, stderr: 'Error: Could not process rule: No such file or directory' };
      return lists++ === 0 ? listing(rule(7, comment)) : listing();
    });
    await nftablesMasquerade(runner).teardown(spec);
    expect(runner.calls.map((x) => x.argv[1])).toEqual(['-j', '-f', '-j']);
  });

  it('gc removes the network’s rules of invalid attachments only', async () => {
    const two = '6fd94d501e58f0aa-d750b2c8f0f25d5f, net: unit-test, if: eth0, id: two';
    const alt = '82783ef24bdc7036-acb19d111858e348, net: alternate, if: net1, id: three';
    const runner = recordingRunner((a) => (a[1] === '-j' ? listing(rule(7, comment), rule(8, two), rule(9, alt), rule(10, 'foreign')) : undefined));
    await nftablesMasquerade(runner).gc('unit-test', [{ containerId: 'two', ifname: 'eth0' }, { containerId: 'one', ifname: 'eth1' }]);
    expect(runner.calls[1]?.input).toBe('delete rule inet cni_plugins_masquerade masq_checks handle 7\n');
  });

  it('check passes on the complete layout and names what is missing', async () => {
    const ok = recordingRunner(() => listing(baseChain, gotoRule, rule(7, comment)));
    await nftablesMasquerade(ok).check(spec);
    expect(ok.calls[0]?.argv.join(' ')).toBe('nft -j list table inet cni_plugins_masquerade');
    const wrongSubnet = recordingRunner(() => listing(baseChain, gotoRule, rule(7, comment, '192.168.1.1', '192.168.0.0', 16)));
    await expect(nftablesMasquerade(wrongSubnet).check(spec)).rejects.toThrow(/ip saddr == 192.168.1.1 ip daddr != 192.168.1.0\/24 masquerade/);
    const noGoto = recordingRunner(() => listing(baseChain, rule(7, comment)));
    await expect(nftablesMasquerade(noGoto).check(spec)).rejects.toThrow(/goto masq_checks/);
    const none = recordingRunner(() => noTable);
    const err = await nftablesMasquerade(none).check(spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MasqueradeCheckError);
    expect((err as MasqueradeCheckError).missing).toEqual(['table inet cni_plugins_masquerade']);
  });
});
