import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { ifbName } from './plan.ts';
import { type BandwidthEnv, GO_BANDWIDTH, createBandwidthEnv } from './test-env.ts';

// Debian's Go bandwidth (1.1.1, spec up to 1.0.0) and ours on one node: either's DEL removes
// what the other's ADD made, and either's CHECK accepts the other's qdiscs, also with
// containerd's 2^32-1 bit burst, which Go wraps and we do not (the kernel reports both alike).

const SHAPE = { ingressRate: 8000000, ingressBurst: 80000, egressRate: 4000000, egressBurst: 40000 };
const CONTAINERD = { runtimeConfig: { bandwidth: { IngressRate: 1000000, IngressBurst: 4294967295, EgressRate: 2000000, EgressBurst: 4294967295 } } };

describe.skipIf(!isRoot() || !existsSync(GO_BANDWIDTH))('bandwidth: interop with the Go plugin', () => {
  let env: BandwidthEnv;
  beforeAll(() => {
    env = createBandwidthEnv('bwio');
  });
  afterAll(() => {
    env?.dispose();
    removeAllNamespaces();
  });

  for (const [name, shape] of [['plain', SHAPE], ['containerd', CONTAINERD]] as const) {
    for (const [adder, other] of [['ours', 'Go'], ['Go', 'ours']] as const) {
      it(`${name}: ADD by ${adder}, CHECK and DEL by ${other}`, async () => {
        const bin = (who: string) => (who === 'Go' ? { binary: GO_BANDWIDTH } : {});
        const p = await env.attach(`${name.slice(0, 4)}-${adder}`.toLowerCase());
        const add = await env.run('ADD', env.conf(shape, p), p, bin(adder));
        expect(add.code, add.stdout + add.stderr).toBe(0);
        const ifb = ifbName('net', p.containerId);
        expect(add.json.interfaces.at(-1).name).toBe(ifb);
        expect(env.hasLink(ifb)).toBe(true);
        const check = await env.run('CHECK', env.conf(shape, { ...p, prevResult: add.json }), p, bin(other));
        expect(check.code, check.stdout + check.stderr).toBe(0);
        const del = await env.run('DEL', env.conf(shape, { ...p, prevResult: add.json }), p, bin(other));
        expect(del.code, del.stdout + del.stderr).toBe(0);
        expect(env.hasLink(ifb)).toBe(false);
        // Go's DEL leaves the host veth's qdiscs to the veth's deletion; ours removes them
        const left = env.qdiscs(p.hostVeth).map((q) => q.kind).sort();
        expect(left).toEqual(other === 'Go' ? ['ingress', 'tbf'] : []);
      });
    }
  }

  it('CRI-O\'s burst (2^35-1 bits): Go wraps the queue limit to a few KB, ours caps it at 4 GiB, and Go\'s CHECK says so', async () => {
    const crio = { runtimeConfig: { bandwidth: { ingressRate: 10000000, ingressBurst: 34359738359, egressRate: 0, egressBurst: 0 } } };
    const go = await env.attach('crio-go');
    expect((await env.run('ADD', env.conf(crio, go), go, { binary: GO_BANDWIDTH })).code).toBe(0);
    const ours = await env.attach('crio-ours');
    const add = await env.run('ADD', env.conf(crio, ours), ours);
    expect(add.code, add.stdout).toBe(0);
    // tc prints the limit itself when it is below the bucket (Go's wrapped sum), otherwise as latency
    const tc = (dev: string) => env.node.exec(['tc', 'qdisc', 'show', 'dev', dev]);
    expect(tc(go.hostVeth)).toContain('limit 31248b');
    expect(tc(ours.hostVeth)).toMatch(/burst \d+b lat [\d.e+]+s/);
    const goCheck = await env.run('CHECK', env.conf(crio, { ...ours, prevResult: add.json }), ours, { binary: GO_BANDWIDTH });
    expect(goCheck.json?.msg).toBe('Limit doesn\'t match');
    const ourCheckOfGo = await env.run('CHECK', env.conf(crio, go), go);
    expect(ourCheckOfGo.code, ourCheckOfGo.stdout).toBe(0);
  });
});
