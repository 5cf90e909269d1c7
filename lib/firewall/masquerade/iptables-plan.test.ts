import { describe, expect, it } from 'vitest';
import { normalAddresses } from './addresses.ts';
import {
  fastTeardownRestore,
  freshSetupRestore,
  gcRestore,
  iptablesMasqRules,
  listedTeardown,
  missingRules,
  repairSetupRestore,
  teardownRestore,
} from './iptables-plan.ts';
import { parseCidr } from '../../addr/index.ts';

// The golden pod of reference-benchmarks.md 3.1.
const net = 'cnianchor-podnet';
const cid = '87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06';
const chain = 'CNI-66d74dc85eb823645cc98db0';
const c = '-m comment --comment "name: \\"cnianchor-podnet\\" id: \\"87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06\\""';
const v4 = normalAddresses([parseCidr('10.203.0.2/16')]);
const v6 = normalAddresses([parseCidr('fd00:0:0:0::2/64')]);

// The masquerade lines of the Go dump, verbatim.
const goDump = [
  `-A POSTROUTING -s 10.203.0.2/32 ${c} -j ${chain}`,
  `-A ${chain} -d 10.203.0.0/16 ${c} -j ACCEPT`,
  `-A ${chain} ! -d 224.0.0.0/4 ${c} -j MASQUERADE`,
];

describe('iptables masquerade plan', () => {
  it('freshSetupRestore creates the Go chain, rules and jump in one transaction (IPv4)', () => {
    expect(freshSetupRestore(iptablesMasqRules(net, cid, 4, v4))).toBe(
      ['*nat', `-N ${chain}`, goDump[1], goDump[2], goDump[0], 'COMMIT', ''].join('\n'),
    );
  });

  it('freshSetupRestore uses ff00::/8 and /128 for IPv6', () => {
    expect(freshSetupRestore(iptablesMasqRules(net, cid, 6, v6))).toBe(
      [
        '*nat',
        `-N ${chain}`,
        `-A ${chain} -d fd00::/64 ${c} -j ACCEPT`,
        `-A ${chain} ! -d ff00::/8 ${c} -j MASQUERADE`,
        `-A POSTROUTING -s fd00::2/128 ${c} -j ${chain}`,
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('iptablesMasqRules puts one ACCEPT per distinct subnet before the MASQUERADE', () => {
    const two = normalAddresses([
      parseCidr('10.1.0.5/16'),
      parseCidr('10.2.0.5/16'),
      parseCidr('10.1.0.6/16'),
    ]);
    const r = iptablesMasqRules('n', 'c', 4, two);
    expect(r.chainRules.map((s) => s.split(' -m ')[0])).toEqual(['-d 10.1.0.0/16', '-d 10.2.0.0/16', '! -d 224.0.0.0/4']);
    expect(r.jumps.map((s) => s.split(' -m ')[0])).toEqual(['-s 10.1.0.5/32', '-s 10.2.0.5/32', '-s 10.1.0.6/32']);
  });

  it('repairSetupRestore adds only missing pieces, and nothing when complete', () => {
    const r = iptablesMasqRules(net, cid, 4, v4);
    const chainListing = `-N ${chain}\n${goDump[1]}\n${goDump[2]}\n`;
    expect(repairSetupRestore(r, `-P POSTROUTING ACCEPT\n${goDump[0]}\n`, chainListing)).toBeUndefined();
    expect(repairSetupRestore(r, '-P POSTROUTING ACCEPT\n', chainListing)).toBe(['*nat', goDump[0], 'COMMIT', ''].join('\n'));
    expect(repairSetupRestore(r, goDump[0]!, `-N ${chain}\n${goDump[2]}\n`)).toBe(
      ['*nat', `-I ${chain} 1 -d 10.203.0.0/16 ${c} -j ACCEPT`, 'COMMIT', ''].join('\n'),
    );
  });

  it('fastTeardownRestore flushes by declaring, deletes the jump, deletes the chain', () => {
    expect(fastTeardownRestore(iptablesMasqRules(net, cid, 4, v4))).toBe(
      ['*nat', `:${chain} - [0:0]`, `-D POSTROUTING -s 10.203.0.2/32 ${c} -j ${chain}`, `-X ${chain}`, 'COMMIT', ''].join('\n'),
    );
  });

  it('listedTeardown removes jumps by both source forms and keeps a chain still in use', () => {
    const listing = [
      '-P POSTROUTING ACCEPT',
      `-A POSTROUTING -s 10.203.0.2/32 ${c} -j ${chain}`,
      `-A POSTROUTING -s 10.203.0.0/16 ${c} -j ${chain}`,
      `-A POSTROUTING -s 10.203.0.9/32 ${c} -j ${chain}`,
      `-A POSTROUTING -s 10.203.0.2/32 ${c} -j CNI-other`,
    ].join('\n');
    const mine = listedTeardown(chain, listing, [v4[0]!.host, v4[0]!.legacySource]);
    expect(mine).toEqual({
      deletes: [`-s 10.203.0.2/32 ${c} -j ${chain}`, `-s 10.203.0.0/16 ${c} -j ${chain}`],
      keepChain: true,
    });
    const all = listedTeardown(chain, listing, undefined);
    expect(all.deletes).toHaveLength(3);
    expect(all.keepChain).toBe(false);
    expect(teardownRestore(chain, all)).toBe(
      ['*nat', ...all.deletes.map((s) => `-D POSTROUTING ${s}`), `-F ${chain}`, `-X ${chain}`, 'COMMIT', ''].join('\n'),
    );
    expect(teardownRestore(chain, mine)).not.toContain('-X');
  });

  it('missingRules names every absent line', () => {
    const r = iptablesMasqRules(net, cid, 4, v4);
    expect(missingRules(r, goDump[0]!, `${goDump[1]}\n${goDump[2]}`)).toEqual([]);
    expect(missingRules(r, '', goDump[1]!)).toEqual([goDump[2], goDump[0]]);
  });

  it('gcRestore removes only stale chains of the network, with their jumps', () => {
    const keep = iptablesMasqRules('netA', 'keep', 4, v4);
    const stale = iptablesMasqRules('netA', 'gone', 4, normalAddresses([parseCidr('10.203.0.3/16')]));
    const other = iptablesMasqRules('netB', 'gone', 4, v4);
    const lines = [keep, stale, other].flatMap((r) => [
      `-N ${r.chain}`,
      ...r.chainRules.map((s) => `-A ${r.chain} ${s}`),
      ...r.jumps.map((s) => `-A POSTROUTING ${s}`),
    ]);
    // a foreign chain that merely carries a look-alike comment must survive
    lines.push('-A CNI-foreign -m comment --comment "name: \\"netA\\" id: \\"gone\\"" -j ACCEPT');
    const text = gcRestore(lines.join('\n'), 'netA', new Set(['keep']));
    expect(text).toBe(
      ['*nat', `-D POSTROUTING ${stale.jumps[0]}`, `-F ${stale.chain}`, `-X ${stale.chain}`, 'COMMIT', ''].join('\n'),
    );
    expect(gcRestore(lines.join('\n'), 'netA', new Set(['keep', 'gone']))).toBeUndefined();
  });
});
