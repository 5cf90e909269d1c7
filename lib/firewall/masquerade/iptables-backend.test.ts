import { describe, expect, it } from 'vitest';
import { MasqueradeCheckError } from '../errors.ts';
import { recordingRunner } from '../../testing/recording-runner.ts';
import { CommandError } from '../runner.ts';
import type { MasqSpec } from './types.ts';
import { iptablesMasquerade } from './iptables-backend.ts';
import { parseCidr } from '../../addr/index.ts';

const chain = 'CNI-66d74dc85eb823645cc98db0';
const c = '-m comment --comment "name: \\"cnianchor-podnet\\" id: \\"87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06\\""';
const spec: MasqSpec = {
  network: 'cnianchor-podnet',
  containerId: '87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06',
  ifname: 'eth0',
  ips: [parseCidr('10.203.0.2/16')],
};
const dual: MasqSpec = { ...spec, ips: [...spec.ips, parseCidr('fd00::2/64')] };
const jump = `-A POSTROUTING -s 10.203.0.2/32 ${c} -j ${chain}`;
const chainRules = `-N ${chain}\n-A ${chain} -d 10.203.0.0/16 ${c} -j ACCEPT\n-A ${chain} ! -d 224.0.0.0/4 ${c} -j MASQUERADE\n`;
const argv = (calls: { argv: readonly string[] }[]): string[] => calls.map((x) => x.argv.join(' '));
const exists = { exitCode: 1, stderr: 'iptables-restore: line 2 failed: Chain already exists.\n' };
const badRule = { exitCode: 1, stderr: 'iptables-restore: line 3 failed: Bad rule (does a matching rule exist in that chain?).\n' };
const noChain = { exitCode: 1, stderr: "iptables v1.8.9 (nf_tables): chain `X' in table `nat' is incompatible, use 'nft' tool.\n" };

describe('iptablesMasquerade', () => {
  it('setup of a new attachment is one iptables-restore per family', async () => {
    const runner = recordingRunner();
    await iptablesMasquerade(runner).setup(dual);
    expect(argv(runner.calls).sort()).toEqual(['ip6tables-restore --noflush --wait', 'iptables-restore --noflush --wait']);
    const v4 = runner.calls.find((x) => x.argv[0] === 'iptables-restore')?.input;
    expect(v4).toContain(`-N ${chain}\n`);
    expect(v4).toContain(`${jump}\n`);
    expect(runner.calls.find((x) => x.argv[0] === 'ip6tables-restore')?.input).toContain(`-A POSTROUTING -s fd00::2/128 ${c} -j ${chain}\n`);
  });

  it('a repeated setup lists POSTROUTING and the chain and adds nothing when complete', async () => {
    const runner = recordingRunner((a) => {
      if (a[0] === 'iptables-restore') return exists;
      if (a.at(-1) === 'POSTROUTING') return { stdout: `-P POSTROUTING ACCEPT\n${jump}\n` };
      if (a.at(-1) === chain) return { stdout: chainRules };
      return undefined;
    });
    await iptablesMasquerade(runner).setup(spec);
    expect(argv(runner.calls)).toEqual([
      'iptables-restore --noflush --wait',
      'iptables --wait -t nat -S POSTROUTING',
      `iptables --wait -t nat -S ${chain}`,
    ]);
  });

  it('a setup finding the chain without its jump adds just the jump', async () => {
    let restores = 0;
    const runner = recordingRunner((a) => {
      if (a[0] === 'iptables-restore') return restores++ === 0 ? exists : undefined;
      if (a.at(-1) === chain) return { stdout: chainRules };
      return { stdout: '-P POSTROUTING ACCEPT\n' };
    });
    await iptablesMasquerade(runner).setup(spec);
    expect(runner.calls.at(-1)?.input).toBe(`*nat\n${jump}\nCOMMIT\n`);
  });

  it('setup reports the transaction error when the chain turns out not to exist', async () => {
    const runner = recordingRunner((a) => {
      if (a[0] === 'iptables-restore') return { exitCode: 2, stderr: "Couldn't load target `MASQUERADE'" };
      if (a.at(-1) === chain) return noChain;
      return undefined;
    });
    await expect(iptablesMasquerade(runner).setup(spec)).rejects.toThrow(/MASQUERADE/);
    await expect(iptablesMasquerade(runner).setup(spec)).rejects.toBeInstanceOf(CommandError);
  });

  it('teardown with addresses is one restore when everything is there', async () => {
    const runner = recordingRunner();
    await iptablesMasquerade(runner).teardown(spec);
    expect(argv(runner.calls)).toEqual(['iptables-restore --noflush --wait']);
    expect(runner.calls[0]?.input).toBe(`*nat\n:${chain} - [0:0]\n-D POSTROUTING -s 10.203.0.2/32 ${c} -j ${chain}\n-X ${chain}\nCOMMIT\n`);
  });

  it('teardown when everything is already gone lists, probes the chain and succeeds', async () => {
    const runner = recordingRunner((a) => {
      if (a[0] === 'iptables-restore') return badRule;
      if (a.at(-1) === chain) return noChain;
      return { stdout: '-P POSTROUTING ACCEPT\n' };
    });
    await iptablesMasquerade(runner).teardown(spec);
    expect(argv(runner.calls)).toEqual([
      'iptables-restore --noflush --wait',
      'iptables --wait -t nat -S POSTROUTING',
      `iptables --wait -t nat -S ${chain}`,
    ]);
  });

  it('teardown removes a chain left without jump (a half-done Go ADD)', async () => {
    const runner = recordingRunner((a, input) => {
      if (a[0] === 'iptables-restore') return input?.includes('-D POSTROUTING') ? badRule : undefined;
      if (a.at(-1) === chain) return { stdout: chainRules };
      return { stdout: '-P POSTROUTING ACCEPT\n' };
    });
    await iptablesMasquerade(runner).teardown(spec);
    expect(runner.calls.at(-1)?.input).toBe(`*nat\n-F ${chain}\n-X ${chain}\nCOMMIT\n`);
  });

  it('teardown without addresses finds the jumps in POSTROUTING, in both families', async () => {
    const runner = recordingRunner((a) => {
      if (a[0] === 'iptables' && a.at(-1) === 'POSTROUTING') return { stdout: `-P POSTROUTING ACCEPT\n${jump}\n-A POSTROUTING -s 10.9.0.1/32 -j CNI-other\n` };
      if (a[0] === 'ip6tables' && a.at(-1) === 'POSTROUTING') return { stdout: '-P POSTROUTING ACCEPT\n' };
      if (a[0] === 'ip6tables') return noChain;
      return undefined;
    });
    await iptablesMasquerade(runner).teardown({ ...spec, ips: [] });
    expect(argv(runner.calls).sort()).toEqual([
      `ip6tables --wait -t nat -S ${chain}`,
      'ip6tables --wait -t nat -S POSTROUTING',
      'iptables --wait -t nat -S POSTROUTING',
      'iptables-restore --noflush --wait',
    ]);
    expect(runner.calls.find((x) => x.argv[0] === 'iptables-restore')?.input).toBe(
      `*nat\n-D POSTROUTING -s 10.203.0.2/32 ${c} -j ${chain}\n-F ${chain}\n-X ${chain}\nCOMMIT\n`,
    );
  });

  it('teardown without addresses finds the jumps by owner', async () => {
    const runner = recordingRunner((a) => (a.at(-1) === chain ? noChain : undefined));
    await iptablesMasquerade(runner).teardown({ ...spec, ips: [] });
    expect(argv(runner.calls).sort()).toEqual([
      `ip6tables --wait -t nat -S ${chain}`,
      'ip6tables --wait -t nat -S POSTROUTING',
      `iptables --wait -t nat -S ${chain}`,
      'iptables --wait -t nat -S POSTROUTING',
    ]);
  });

  it('teardown without addresses tolerates a missing ip6tables', async () => {
    const runner = recordingRunner((a) => (a[0]?.startsWith('ip6tables') ? { exitCode: 127, stderr: 'ENOENT' } : a.at(-1) === chain ? noChain : undefined));
    await expect(iptablesMasquerade(runner).teardown({ ...spec, ips: [] })).resolves.toBeUndefined();
  });

  it('teardown fails with a CommandError on an unexpected listing error', async () => {
    const runner = recordingRunner((a) => (a[0] === 'iptables-restore' ? badRule : { exitCode: 4, stderr: 'Permission denied (you must be root)' }));
    await expect(iptablesMasquerade(runner).teardown(spec)).rejects.toThrow(/Permission denied/);
  });

  it('check passes on complete rules and names what is missing otherwise', async () => {
    const complete = recordingRunner((a) => (a.at(-1) === chain ? { stdout: chainRules } : { stdout: jump }));
    await iptablesMasquerade(complete).check(spec);
    const noJump = recordingRunner((a) => (a.at(-1) === chain ? { stdout: chainRules } : { stdout: '-P POSTROUTING ACCEPT' }));
    await expect(iptablesMasquerade(noJump).check(spec)).rejects.toThrow(`iptables rule ${jump}`);
    const none = recordingRunner((a) => (a.at(-1) === chain ? noChain : { stdout: '' }));
    const err = await iptablesMasquerade(none).check(spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MasqueradeCheckError);
    expect((err as MasqueradeCheckError).missing).toHaveLength(4);
  });

  it('gc lists each family once and removes only stale chains', async () => {
    const runner = recordingRunner((a) => (a[0] === 'iptables' ? { stdout: chainRules + jump } : a[0] === 'ip6tables' ? { stdout: '-P POSTROUTING ACCEPT\n' } : undefined));
    await iptablesMasquerade(runner).gc('cnianchor-podnet', []);
    expect(argv(runner.calls).sort()).toEqual(['ip6tables --wait -t nat -S', 'iptables --wait -t nat -S', 'iptables-restore --noflush --wait']);
    const kept = recordingRunner((a) => (a[0] === 'iptables' ? { stdout: chainRules + jump } : undefined));
    await iptablesMasquerade(kept).gc('cnianchor-podnet', [{ containerId: spec.containerId, ifname: 'eth9' }]);
    expect(kept.calls.some((x) => x.argv[0]?.endsWith('-restore'))).toBe(false);
  });

  it('uses the configured binaries', async () => {
    const runner = recordingRunner();
    await iptablesMasquerade(runner, { binaries: { iptablesRestore: '/usr/sbin/iptables-restore' } }).setup(spec);
    expect(runner.calls[0]?.argv[0]).toBe('/usr/sbin/iptables-restore');
  });
});
