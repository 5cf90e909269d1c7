import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iptablesMasquerade } from './iptables-backend.ts';
import { freshSetupRestore, iptablesMasqRules } from './iptables-plan.ts';
import { normalAddresses } from './addresses.ts';
import { masqChainName, masqComment, nftMasqComment } from '../names.ts';
import { nftablesMasquerade } from './nft-backend.ts';
import type { CommandRunner } from '../runner.ts';
import type { TestNetns } from '../test-netns.ts';
import { countingRunner, createTestNetns, isRoot } from '../test-netns.ts';
import type { MasqSpec } from './types.ts';
import { ipToString, parseCidr } from '../../addr/index.ts';

// Not a timed assertion: measures what one ADD and one DEL cost with 1 and with 500 other
// pods' rules on the node, and prints the medians. It asserts only exec counts and state.
// Every command runs through `nsenter --net`, whose own cost is printed as the baseline.

const ROUNDS = 21;
const OTHERS = 500;
const target: MasqSpec = {
  network: 'bench',
  containerId: 'target',
  ifname: 'eth0',
  ips: [parseCidr('10.99.0.2/16')],
};

function otherPod(i: number): MasqSpec {
  return {
    network: 'bench',
    containerId: createHash('sha256').update(`pod-${i}`).digest('hex'),
    ifname: 'eth0',
    ips: [parseCidr(`10.100.${i >> 8}.${i & 255}/16`)],
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

interface Sample {
  label: string;
  execs: number;
  ms: number;
  /** Median of a `true` exec through the same runner, timed right before each round. */
  baselineMs: number;
}

/** Times `fn` ROUNDS times (after `before`), returning median ms and execs per call. */
async function measure(label: string, inner: CommandRunner, fn: (r: CommandRunner) => Promise<void>, before: (r: CommandRunner) => Promise<void>): Promise<Sample> {
  const times: number[] = [];
  const baseline: number[] = [];
  let execs = 0;
  for (let i = 0; i < ROUNDS; i++) {
    await before(inner);
    let t0 = performance.now();
    await inner.run(['true']);
    baseline.push(performance.now() - t0);
    const counter = countingRunner(inner);
    t0 = performance.now();
    await fn(counter);
    times.push(performance.now() - t0);
    execs = counter.count;
  }
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { label, execs, ms: round(median(times)), baselineMs: round(median(baseline)) };
}

/** The exec sequence of Go's SetupIPMasq through go-iptables (9 iptables runs), for comparison. */
async function goLikeAdd(r: CommandRunner): Promise<void> {
  const chain = masqChainName(target.network, target.containerId);
  const c = ['-m', 'comment', '--comment', masqComment(target.network, target.containerId)];
  const ipt = (...a: string[]): Promise<unknown> => r.run(['iptables', '-t', 'nat', ...a, '--wait']);
  await r.run(['iptables', '--version']);
  await ipt('-S');
  await ipt('-N', chain);
  for (const rule of [[chain, '-d', '10.99.0.2/16', '-j', 'ACCEPT'], [chain, '!', '-d', '224.0.0.0/4', '-j', 'MASQUERADE'], ['POSTROUTING', '-s', '10.99.0.2', '-j', chain]]) {
    await ipt('-C', ...rule, ...c);
    await ipt('-A', ...rule, ...c);
  }
}

/** The exec sequence of Go's TeardownIPMasq (6 iptables runs). */
async function goLikeDel(r: CommandRunner): Promise<void> {
  const chain = masqChainName(target.network, target.containerId);
  const c = ['-m', 'comment', '--comment', masqComment(target.network, target.containerId)];
  const ipt = (...a: string[]): Promise<unknown> => r.run(['iptables', '-t', 'nat', ...a, '--wait']);
  await r.run(['iptables', '--version']);
  await ipt('-D', 'POSTROUTING', '-s', '10.99.0.2', '-j', chain, ...c);
  await ipt('-D', 'POSTROUTING', '-s', '10.99.0.2/16', '-j', chain, ...c);
  await ipt('-N', chain);
  await ipt('-F', chain);
  await ipt('-X', chain);
}

describe.skipIf(!isRoot())('masquerade cost with 1 vs 500 pods on the node', () => {
  let ns: TestNetns;
  const rows: string[] = [];

  beforeAll(async () => {
    ns = await createTestNetns('fw-scale');
  });
  afterAll(async () => {
    await ns?.destroy();
    console.log(['', '| case | pods | execs | median ms | `true` exec ms (same rounds) |', '|---|---|---|---|---|', ...rows].join('\n'));
  });

  async function suite(pods: number): Promise<void> {
    const ipt = iptablesMasquerade;
    const nft = nftablesMasquerade;
    const samples = [
      await measure('iptables ADD (ours)', ns.runner, (r) => ipt(r).setup(target), (r) => ipt(r).teardown(target)),
      await measure('iptables DEL (ours)', ns.runner, (r) => ipt(r).teardown(target), (r) => ipt(r).setup(target)),
      await measure('iptables ADD (Go exec sequence)', ns.runner, goLikeAdd, (r) => ipt(r).teardown(target)),
      await measure('iptables DEL (Go exec sequence)', ns.runner, goLikeDel, (r) => ipt(r).setup(target)),
      await measure('nftables ADD (ours, replaceStale)', ns.runner, (r) => nft(r).setup(target), (r) => nft(r).teardown(target)),
      await measure('nftables ADD (ours, replaceStale: false)', ns.runner, (r) => nft(r, { replaceStale: false }).setup(target), (r) => nft(r).teardown(target)),
      await measure('nftables DEL (ours)', ns.runner, (r) => nft(r).teardown(target), (r) => nft(r).setup(target)),
    ];
    await ipt(ns.runner).teardown(target);
    await nft(ns.runner).teardown(target);
    for (const s of samples) rows.push(`| ${s.label} | ${pods} | ${s.execs} | ${s.ms} | ${s.baselineMs} |`);
    const byLabel = new Map(samples.map((s) => [s.label, s.execs]));
    expect(byLabel.get('iptables ADD (ours)')).toBe(1);
    expect(byLabel.get('iptables DEL (ours)')).toBe(1);
    expect(byLabel.get('nftables ADD (ours, replaceStale)')).toBe(2);
    expect(byLabel.get('nftables ADD (ours, replaceStale: false)')).toBe(1);
    expect(byLabel.get('nftables DEL (ours)')).toBe(2);
  }

  it('with one pod (only the measured one)', async () => {
    await suite(1);
  });

  it(`with ${OTHERS} other pods' rules (Go shapes, both backends)`, async () => {
    const others = Array.from({ length: OTHERS }, (_, i) => otherPod(i));
    const body = others.flatMap((p) => freshSetupRestore(iptablesMasqRules(p.network, p.containerId, 4, normalAddresses(p.ips))).split('\n').slice(1, -2));
    await ns.sh(['iptables-restore', '--noflush', '--wait'], ['*nat', ...body, 'COMMIT', ''].join('\n'));
    await nftablesMasquerade(ns.runner).setup(others[0] as MasqSpec);
    const nftRules = others
      .slice(1)
      .map((p) => `add rule inet cni_plugins_masquerade masq_checks ip saddr == ${ipToString(p.ips[0]!.ip)} ip daddr != 10.100.0.0/16 masquerade comment "${nftMasqComment(p.network, p.ifname, p.containerId)}"`);
    await ns.sh(['nft', '-f', '-'], `${nftRules.join('\n')}\n`);
    const natLines = (await ns.sh(['iptables-save', '-t', 'nat'])).split('\n').filter((l) => l.startsWith('-A')).length;
    expect(natLines).toBe(3 * OTHERS);
    await suite(OTHERS + 1);
    expect((await ns.sh(['iptables-save', '-t', 'nat'])).split('\n').filter((l) => l.startsWith('-A')).length).toBe(3 * OTHERS);
  });
});
