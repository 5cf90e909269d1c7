import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../lib/testing/index.ts';
import { type FirewallEnv, GO_FIREWALL, type TestPod, createFirewallEnv } from './test-env.ts';

// In-place switching between Debian's Go firewall (1.1.1) and ours on one node: either one's
// DEL removes the address rules the other's ADD made; ours CHECKs Go's rules; and every spec
// version our plugin speaks round-trips a chained ADD/CHECK/DEL.

const addressLines = (env: FirewallEnv, ip: string): string[] => env.filterLines().filter((l) => l.includes(`${ip}/32`));

describe.skipIf(!isRoot() || !existsSync(GO_FIREWALL))('firewall: interop with the Go plugin', () => {
  let env: FirewallEnv;
  let a1: TestPod;
  let b1: TestPod;
  // podman's config: backend "" (Go then looks for firewalld on D-Bus, finds none, uses iptables)
  const podman = (p: TestPod) => env.conf(p, { backend: '', ingressPolicy: 'same-bridge' });
  beforeAll(async () => {
    env = createFirewallEnv('fwio');
    [a1, b1] = [await env.pod(env.nets[0], 'io-a1'), await env.pod(env.nets[1], 'io-b1')];
    env.node.exec(['iptables', '-P', 'FORWARD', 'DROP']);
  });
  afterAll(() => env?.dispose());

  it('open, with a DROP FORWARD policy: a pod added by Go and one added by ours talk; each one\'s DEL removes the other\'s rules', async () => {
    const open = (p: TestPod) => env.conf(p, { backend: 'iptables' });
    expect((await env.firewall('ADD', a1, open(a1), GO_FIREWALL)).code).toBe(0);
    expect(env.reaches(a1, b1.ip)).toBe(true); // a1's rules pass its request and (RELATED,ESTABLISHED) the reply
    expect(env.reaches(b1, a1.ip)).toBe(false); // b1 has no rule yet: its new connections are dropped
    expect((await env.firewall('ADD', b1, open(b1))).code).toBe(0);
    expect(env.reaches(a1, b1.ip)).toBe(true);
    expect(env.reaches(b1, a1.ip)).toBe(true);
    expect((await env.firewall('DEL', a1, open(a1))).code).toBe(0);
    expect((await env.firewall('DEL', b1, open(b1), GO_FIREWALL)).code).toBe(0);
    expect(addressLines(env, a1.ip)).toEqual([]);
    expect(addressLines(env, b1.ip)).toEqual([]);
    expect(env.reaches(a1, b1.ip)).toBe(false);
  });

  it('ADD by ours, DEL by Go leaves no rule of the pod', async () => {
    const add = await env.firewall('ADD', a1, podman(a1));
    expect(add.code, add.stdout).toBe(0);
    expect(addressLines(env, a1.ip)).toHaveLength(2);
    const del = await env.firewall('DEL', a1, podman(a1), GO_FIREWALL);
    expect(del.code, del.stdout).toBe(0);
    expect(addressLines(env, a1.ip)).toEqual([]);
  });

  it('ADD by Go: ours CHECKs it, a repeated ADD by ours duplicates no address rule, DEL by ours leaves none', async () => {
    for (const p of [a1, b1]) {
      const add = await env.firewall('ADD', p, podman(p), GO_FIREWALL);
      expect(add.code, add.stdout).toBe(0);
    }
    expect(env.reaches(a1, b1.ip)).toBe(false); // Go's isolation, with ours' rules from the first test still there
    const check = await env.firewall('CHECK', a1, podman(a1));
    expect(check.code, check.stdout).toBe(0);
    const again = await env.firewall('ADD', a1, podman(a1));
    expect(again.code, again.stdout).toBe(0);
    expect(addressLines(env, a1.ip)).toHaveLength(2);
    expect(env.reaches(a1, b1.ip)).toBe(false);
    for (const p of [a1, b1]) {
      const del = await env.firewall('DEL', p, podman(p));
      expect(del.code, del.stdout).toBe(0);
      expect(addressLines(env, p.ip)).toEqual([]);
    }
  });

  it("GC keeps the rules of a pod Go added at the address of a pod ours added and Go deleted (whose record Go left)", async () => {
    const open = (p: TestPod) => env.conf(p, { backend: 'iptables' });
    const gc = (valid: TestPod[]) =>
      env.firewall('GC', a1, {
        cniVersion: '1.1.0',
        name: a1.net.name,
        type: 'firewall',
        backend: 'iptables',
        'cni.dev/valid-attachments': valid.map((p) => ({ containerID: p.containerId, ifname: 'eth0' })),
      });
    const record = (p: TestPod) => existsSync(join(env.stateDir, p.net.name, `${p.containerId}:eth0`));
    expect((await env.firewall('ADD', a1, open(a1))).code).toBe(0);
    expect((await env.firewall('DEL', a1, open(a1), GO_FIREWALL)).code).toBe(0);
    expect(record(a1)).toBe(true); // Go knows nothing of our record
    // host-local hands the released address to the next pod, which Go adds (and records nothing)
    const reuse: TestPod = { ...a1, containerId: 'io-reuse' };
    expect((await env.firewall('ADD', reuse, open(reuse), GO_FIREWALL)).code).toBe(0);
    const r = await gc([reuse]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(addressLines(env, a1.ip)).toHaveLength(2);
    expect(r.stderr).toContain(`keeping the rules of ${a1.ip}`);
    expect(record(a1)).toBe(true); // for a GC that can tell
    // with the Go pod gone too, GC removes the record (and any rule of the address left)
    expect((await env.firewall('DEL', reuse, open(reuse), GO_FIREWALL)).code).toBe(0);
    expect((await gc([])).code).toBe(0);
    expect(record(a1)).toBe(false);
    expect(addressLines(env, a1.ip)).toEqual([]);
  });
});

describe.skipIf(!isRoot())('firewall: every spec version, chained after our bridge', () => {
  let env: FirewallEnv;
  beforeAll(() => {
    env = createFirewallEnv('fwver');
  });
  afterAll(() => env?.dispose());

  it.each(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])('%s: ADD passes the result through, CHECK (0.4.0+) passes, DEL removes the rules', async (version) => {
    const pod = await env.pod(env.nets[0], `v${version.replaceAll('.', '')}`, version);
    const conf = env.conf(pod, { backend: 'iptables' });
    const add = await env.firewall('ADD', pod, conf);
    expect(add.code, add.stdout).toBe(0);
    expect(add.json).toEqual(pod.result);
    expect(addressLines(env, pod.ip)).toHaveLength(2);
    if (version >= '0.4.0') expect((await env.firewall('CHECK', pod, conf)).code).toBe(0);
    const del = await env.firewall('DEL', pod, conf);
    expect(del.code, del.stdout).toBe(0);
    expect(addressLines(env, pod.ip)).toEqual([]);
  });
});
