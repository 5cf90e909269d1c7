import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { masqChainName, masqComment } from '../names.ts';
import type { CommandRunner } from '../runner.ts';
import type { TestNetns } from '../test-netns.ts';
import { countingRunner, createTestNetns, isRoot } from '../test-netns.ts';
import { selectBackend } from '../select.ts';
import { portmap } from './feature.ts';
import { iptablesFamilyPlan, TOP_DNAT_CHAIN } from './iptables-rules.ts';
import { NFT_TABLE, nftContainerRules } from './nft-plan.ts';
import { familyViews } from './spec.ts';
import type { PortmapSpec } from './types.ts';
import type { BackendName } from '../backend.ts';
import { ipToString, parseCidr } from '../../addr/index.ts';

// Not a timed assertion: measures one ADD and one DEL of a pod with one mapping when the node
// holds 1 and 501 pods' rules, and prints the medians; it asserts exec counts and state only.
// With iptables the other pods also get the bridge plugin's masquerade chains, as on a real
// node (reference-benchmarks.md 2.5: 5 + 7 nat rules per pod). Commands run via nsenter, whose
// own cost is printed as the baseline.

const ROUNDS = 21;
const OTHERS = 500;

function podSpec(i: number): PortmapSpec {
  return {
    network: 'scalenet',
    containerId: createHash('sha256').update(`scale-pod-${i}`).digest('hex'),
    ifname: 'eth0',
    mappings: [{ hostPort: 20000 + i, containerPort: 80, protocol: 'tcp' }],
    containerIPv4: parseCidr(`10.210.${(i + 1) >> 8}.${(i + 1) & 255}/16`),
    snat: true,
    masqAll: false,
    markMasqBit: 13,
  };
}

const target = podSpec(9999);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

interface Sample {
  readonly label: string;
  readonly execs: number;
  readonly small: number;
  readonly big: number;
  readonly baselineMs: number;
}

type Op = (r: CommandRunner) => Promise<void>;

/**
 * Times `fn` on the small and the big node alternately (so machine load hits both alike),
 * ROUNDS times each, after `before` on the same node; returns medians and execs per call.
 */
async function measure(label: string, small: CommandRunner, big: CommandRunner, fn: Op, before: Op): Promise<Sample> {
  const times: Record<'small' | 'big', number[]> = { small: [], big: [] };
  const baseline: number[] = [];
  let execs = 0;
  for (let i = 0; i < ROUNDS; i++) {
    for (const [key, inner] of [['small', small], ['big', big]] as const) {
      await before(inner);
      let t0 = performance.now();
      await inner.run(['true']);
      baseline.push(performance.now() - t0);
      const counter = countingRunner(inner);
      t0 = performance.now();
      await fn(counter);
      times[key].push(performance.now() - t0);
      execs = counter.count;
    }
  }
  const round = (x: number): number => Math.round(x * 100) / 100;
  return { label, execs, small: round(median(times.small)), big: round(median(times.big)), baselineMs: round(median(baseline)) };
}

/** 500 other pods, written in one transaction each way (portmap rules plus the bridge's masquerade). */
async function populate(ns: TestNetns, name: BackendName): Promise<void> {
  const others = Array.from({ length: OTHERS }, (_, i) => podSpec(i));
  if (name === 'iptables') {
    const lines = ['*nat'];
    for (const p of others) {
      const plan = iptablesFamilyPlan(p, familyViews(p)[0]!);
      const masq = masqChainName(p.network, p.containerId);
      const c = `"${masqComment(p.network, p.containerId).replace(/"/g, '\\"')}"`;
      lines.push(
        `-N ${plan.dnatChain}`,
        ...plan.chainRules.map((r) => `-A ${plan.dnatChain} ${r}`),
        ...plan.entryRules.map((r) => `-A ${TOP_DNAT_CHAIN} ${r}`),
        `-N ${masq}`,
        `-A POSTROUTING -s ${ipToString(p.containerIPv4!.ip)}/32 -m comment --comment ${c} -j ${masq}`,
        `-A ${masq} -d 10.210.0.0/16 -m comment --comment ${c} -j ACCEPT`,
        `-A ${masq} ! -d 224.0.0.0/4 -m comment --comment ${c} -j MASQUERADE`,
      );
    }
    await ns.sh(['iptables-restore', '--noflush', '--wait'], [...lines, 'COMMIT', ''].join('\n'));
  } else {
    const lines = others.flatMap((p) => nftContainerRules(p, familyViews(p)[0]!).map((r) => `add rule ip ${NFT_TABLE} ${r.chain} ${r.rule}`));
    await ns.sh(['nft', '-f', '-'], `${lines.join('\n')}\n`);
  }
}

describe.skipIf(!isRoot())('portmap cost with 1 vs 501 other pods on the node', () => {
  const rows: string[] = [];
  const spaces: TestNetns[] = [];

  afterAll(async () => {
    for (const ns of spaces) await ns.destroy();
    console.log(
      ['', `| case | execs | ms, 1 other pod | ms, ${OTHERS + 1} other pods | ratio | \`true\` via nsenter ms |`, '|---|---|---|---|---|---|', ...rows].join('\n'),
    );
  });

  it.each(['iptables', 'nftables'] as const)('%s', async (name) => {
    const small = await createTestNetns(`pm-s1-${name.slice(0, 3)}`);
    spaces.push(small);
    const big = await createTestNetns(`pm-s5-${name.slice(0, 3)}`);
    spaces.push(big);
    for (const ns of [small, big]) await selectBackend(portmap, name, ns.runner).setup(podSpec(OTHERS)); // node-wide part and one other pod
    await populate(big, name);

    const b = (r: CommandRunner) => selectBackend(portmap, name, r);
    const owner = { network: target.network, containerId: target.containerId, ifname: target.ifname };
    const samples = [
      await measure(`${name} ADD`, small.runner, big.runner, (r) => b(r).setup(target), (r) => b(r).teardown(target)),
      await measure(`${name} DEL`, small.runner, big.runner, (r) => b(r).teardown(target), (r) => b(r).setup(target)),
      await measure(`${name} DEL by owner (no mappings)`, small.runner, big.runner, (r) => b(r).teardown(owner), (r) => b(r).setup(target)),
      await measure(`${name} CHECK`, small.runner, big.runner, (r) => b(r).check(target), (r) => b(r).setup(target).then(() => b(r).teardown(target)).then(() => b(r).setup(target))),
    ];
    for (const s of samples) rows.push(`| ${s.label} | ${s.execs} | ${s.small} | ${s.big} | ${(s.big / s.small).toFixed(2)} | ${s.baselineMs} |`);
    const execs = new Map(samples.map((s) => [s.label, s.execs]));
    expect(execs.get(`${name} ADD`)).toBe(1);
    expect(execs.get(`${name} DEL`)).toBe(name === 'iptables' ? 1 : 2);

    await b(big.runner).teardown(target);
    if (name === 'iptables') {
      const entries = (await big.sh(['iptables', '-t', 'nat', '-S', TOP_DNAT_CHAIN])).split('\n').filter((l) => l.startsWith('-A'));
      expect(entries).toHaveLength(OTHERS + 1);
    } else {
      const rules = (await big.sh(['nft', 'list', 'chain', 'ip', NFT_TABLE, 'hostports'])).split('\n').filter((l) => l.includes('dnat'));
      expect(rules).toHaveLength(OTHERS + 1);
    }
  });
});
