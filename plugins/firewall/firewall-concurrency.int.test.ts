import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../lib/testing/index.ts';
import { type FirewallEnv, type TestPod, createFirewallEnv } from './test-env.ts';

// Pods of two isolated networks started at the same moment on a fresh node: every ADD races to
// create the shared chains and jumps. Each must succeed, and the node must end with one copy of
// every shared rule and both rules of every pod.

const PODS_PER_NET = 4;

describe.skipIf(!isRoot()).each(['iptables', 'nftables'])('firewall (%s): concurrent first ADDs', (backend) => {
  let env: FirewallEnv;
  const pods: TestPod[] = [];
  beforeAll(async () => {
    env = createFirewallEnv(`fwcc${backend.slice(0, 3)}`);
    for (const net of env.nets) for (let i = 0; i < PODS_PER_NET; i++) pods.push(await env.pod(net, `cc-${net.bridge}-${i}`));
  });
  afterAll(() => env?.dispose());

  const rules = (): string[] =>
    backend === 'iptables'
      ? env.filterLines().filter((l) => l.startsWith('-A'))
      : env.nftTable().split('\n').map((l) => l.trim()).filter((l) => /accept|drop|jump/.test(l) && !/^(type|comment) /.test(l));

  it('all succeed, with one copy of each shared rule and both rules of every pod', async () => {
    const outcomes = await Promise.all(pods.map((p) => env.firewall('ADD', p, env.conf(p, { backend, ingressPolicy: 'same-bridge' }))));
    for (const o of outcomes) expect(o.code, o.stdout + o.stderr).toBe(0);
    const all = rules();
    const duplicates = all.filter((l, i) => all.indexOf(l) !== i);
    expect(duplicates).toEqual([]);
    for (const p of pods) expect(all.filter((l) => l.includes(` ${p.ip}`) || l.includes(`${p.ip}/32`)), p.ip).toHaveLength(2);
    const shared = all.filter((l) => !pods.some((p) => l.includes(p.ip)));
    // FORWARD jumps (iptables) or base-chain jumps (nftables), the admin jump, 2 bridges' stage-1 and stage-2 rules
    expect(shared.length).toBe(backend === 'iptables' ? 2 + 1 + 2 + 1 + 2 + 1 : 2 + 1 + 2 + 2);
    const dels = await Promise.all(pods.map((p) => env.firewall('DEL', p, env.conf(p, { backend, ingressPolicy: 'same-bridge' }))));
    for (const o of dels) expect(o.code, o.stdout + o.stderr).toBe(0);
    expect(rules().filter((l) => pods.some((p) => l.includes(p.ip)))).toEqual([]);
  });
});
