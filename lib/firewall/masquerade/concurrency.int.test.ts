import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iptablesMasquerade } from './iptables-backend.ts';
import { nftablesMasquerade } from './nft-backend.ts';
import type { TestNetns } from '../test-netns.ts';
import { createTestNetns, isRoot } from '../test-netns.ts';
import type { MasqSpec } from './types.ts';
import { parseCidr } from '../../addr/index.ts';

// Runtimes start plugins for many pods at once; every concurrent ADD and DEL must land.

const PODS = 16;
const pods: MasqSpec[] = Array.from({ length: PODS }, (_, i) => ({
  network: 'conc',
  containerId: `pod-${i}`,
  ifname: 'eth0',
  ips: [
    parseCidr(`10.77.0.${i + 2}/16`),
    parseCidr(`fd77::${(i + 2).toString(16)}/64`),
  ],
}));

describe.skipIf(!isRoot())('concurrent masquerade ADD and DEL', () => {
  let ns: TestNetns;
  beforeAll(async () => {
    ns = await createTestNetns('fw-conc');
  });
  afterAll(async () => {
    await ns?.destroy();
  });

  it.each([
    ['iptables', () => iptablesMasquerade(ns.runner)],
    ['nftables', () => nftablesMasquerade(ns.runner)],
  ] as const)(`%s: ${PODS} pods set up and torn down concurrently`, async (_name, make) => {
    const b = make();
    await Promise.all(pods.map((p) => b.setup(p)));
    await Promise.all(pods.map((p) => b.check(p)));
    await Promise.all(pods.map((p) => b.teardown(p)));
    const rest = await Promise.all(pods.map((p) => b.check(p).then(() => 'present', () => 'gone')));
    expect(rest).toEqual(pods.map(() => 'gone'));
    const left = `${await ns.sh(['iptables-save', '-t', 'nat'])}${await ns.sh(['ip6tables-save', '-t', 'nat'])}${await ns.sh(['nft', 'list', 'chain', 'inet', 'cni_plugins_masquerade', 'masq_checks']).catch(() => '')}`;
    expect(left).not.toMatch(/pod-|CNI-/);
  });
});
