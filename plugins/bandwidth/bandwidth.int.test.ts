import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { ifbName } from './plan.ts';
import { type BandwidthEnv, createBandwidthEnv } from './test-env.ts';

// Our bandwidth after our bridge + host-local, in a throwaway node namespace: the qdiscs as
// `tc` reports them, the ifb, CHECK, DEL (also with the pod's namespace gone), bad input.

describe.skipIf(!isRoot())('bandwidth', () => {
  let env: BandwidthEnv;
  beforeAll(() => {
    env = createBandwidthEnv('bw');
  });
  afterAll(() => {
    env?.dispose();
    removeAllNamespaces();
  });

  const SHAPE = { ingressRate: 8000000, ingressBurst: 80000, egressRate: 4000000, egressBurst: 40000 };

  it('ADD shapes both ways (tbf on the host veth, ingress redirect to an ifb with its tbf), CHECK passes, DEL removes all', async () => {
    const p = await env.attach('both');
    const add = await env.run('ADD', env.conf(SHAPE, p), p);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const ifb = ifbName('net', p.containerId);
    expect(add.json.interfaces.at(-1)).toEqual({ name: ifb, mac: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/) });
    expect(add.json.interfaces.slice(0, -1)).toEqual(p.prevResult.interfaces);

    const veth = env.qdiscs(p.hostVeth);
    const tbf = veth.find((q) => q.kind === 'tbf');
    expect(tbf?.handle).toBe('1:');
    expect(tbf?.options?.rate).toBe(1000000); // bytes/s as tc -j prints it
    expect(tbf?.options?.burst).toBe(10000);
    expect(veth.map((q) => q.kind).sort()).toEqual(['ingress', 'tbf']);
    const filters = env.node.exec(['tc', 'filter', 'show', 'dev', p.hostVeth, 'ingress']);
    expect(filters).toContain(`mirred (Egress Redirect to device ${ifb}) stolen`);

    const link = JSON.parse(env.node.exec(['ip', '-j', '-d', 'link', 'show', ifb]))[0];
    expect(link.linkinfo.info_kind).toBe('ifb');
    expect(env.node.exec(['cat', `/sys/class/net/${ifb}/tx_queue_len`]).trim()).toBe('0');
    expect(link.flags).toContain('UP');
    const vethLink = JSON.parse(env.node.exec(['ip', '-j', 'link', 'show', p.hostVeth]))[0];
    expect(link.mtu).toBe(vethLink.mtu);
    const ifbTbf = env.qdiscs(ifb).find((q) => q.kind === 'tbf');
    expect([ifbTbf?.options?.rate, ifbTbf?.options?.burst]).toEqual([500000, 5000]);

    const conf = env.conf(SHAPE, { ...p, prevResult: add.json });
    const check = await env.run('CHECK', conf, p);
    expect(check.code, check.stdout).toBe(0);
    env.node.exec(['tc', 'qdisc', 'del', 'dev', ifb, 'root']);
    const broken = await env.run('CHECK', conf, p);
    expect(broken.code).toBe(1);
    expect(broken.json.msg).toContain(`${ifb}'s root qdisc is noqueue, not tbf`);
    const other = await env.run('CHECK', env.conf({ ...SHAPE, ingressRate: 16000000 }, { ...p, prevResult: add.json }), p);
    expect(other.json.msg).toContain('rate is 8000000 bit/s, configured 16000000');

    const del = await env.run('DEL', env.conf(SHAPE), p);
    expect(del.code, del.stdout).toBe(0);
    expect(env.hasLink(ifb)).toBe(false);
    expect(env.qdiscs(p.hostVeth)).toEqual([]);
    const again = await env.run('DEL', env.conf(SHAPE), p);
    expect(again.code, again.stdout).toBe(0);
  });

  it('DEL leaves what it did not make: another tool\'s ingress qdisc on the veth stays when only ingress is shaped', async () => {
    const p = await env.attach('other');
    const shape = { ingressRate: 1000000, ingressBurst: 100000 };
    const add = await env.run('ADD', env.conf(shape, p), p);
    expect(add.code, add.stdout).toBe(0);
    env.node.exec(['tc', 'qdisc', 'add', 'dev', p.hostVeth, 'handle', 'ffff:', 'ingress']);
    const del = await env.run('DEL', env.conf(shape), p);
    expect(del.code, del.stdout).toBe(0);
    expect(env.qdiscs(p.hostVeth).map((q) => q.kind)).toEqual(['ingress']);
  });

  it('DEL removes the ifb when the pod\'s namespace is already gone', async () => {
    const p = await env.attach('gone');
    const add = await env.run('ADD', env.conf({ egressRate: 1000000, egressBurst: 100000 }, p), p);
    expect(add.code, add.stdout).toBe(0);
    const ifb = ifbName('net', p.containerId);
    expect(env.hasLink(ifb)).toBe(true);
    p.pod.remove();
    const del = await env.run('DEL', env.conf({}), p);
    expect(del.code, del.stdout).toBe(0);
    expect(env.hasLink(ifb)).toBe(false);
  });

  it('takes the capability as containerd sends it (PascalCase) and does not wrap its 4 GiB burst', async () => {
    const p = await env.attach('ctrd');
    const runtimeConfig = { bandwidth: { IngressRate: 1000000, IngressBurst: 4294967295, EgressRate: 0, EgressBurst: 0 } };
    const add = await env.run('ADD', env.conf({ runtimeConfig }, p), p);
    expect(add.code, add.stdout).toBe(0);
    expect(add.json.interfaces).toEqual(p.prevResult.interfaces); // no egress: no ifb
    const tbf = env.qdiscs(p.hostVeth).find((q) => q.kind === 'tbf');
    expect(tbf?.options?.rate).toBe(125000);
    // The bucket is sent in bytes (512 MiB); the kernel reports its time through a u32 of
    // ticks, wrapped, which tc turns into exactly what it shows for Go's wrapped bucket
    expect(tbf?.options?.burst).toBe(21474835);
    const check = await env.run('CHECK', env.conf({ runtimeConfig }, { ...p, prevResult: add.json }), p);
    expect(check.code, check.stdout).toBe(0);
  });

  it.each([
    [{ ingressRate: -1, ingressBurst: 8000 }, 'invalid ingressRate -1'],
    [{ egressRate: 1000000, egressBurst: 0 }, 'invalid egressBurst 0'],
    [{ egressRate: '1M', egressBurst: 8000 }, 'invalid egressRate "1M"'],
    [{ runtimeConfig: { bandwidth: { IngressRate: 1000000 } } }, 'invalid runtimeConfig.bandwidth.ingressBurst 0'],
  ])('refuses %j with code 7 and changes nothing', async (bad, msg) => {
    const p = await env.attach(`bad${Math.random().toString(16).slice(2, 6)}`);
    const add = await env.run('ADD', env.conf(bad, p), p);
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ code: 7, msg });
    expect(env.qdiscs(p.hostVeth)).toEqual([]);
    expect(env.hasLink(ifbName('net', p.containerId))).toBe(false);
    const del = await env.run('DEL', env.conf(bad), p); // DEL does not read the keys ADD refused
    expect(del.code, del.stdout).toBe(0);
  });

  it('a failed ADD leaves nothing: the ifb name taken undoes the ingress tbf', async () => {
    const p = await env.attach('fail');
    const ifb = ifbName('net', p.containerId);
    env.node.exec(['ip', 'link', 'add', ifb, 'type', 'ifb']);
    const add = await env.run('ADD', env.conf(SHAPE, p), p);
    expect(add.code).toBe(1);
    expect(add.json.msg).toContain(`adding link ${ifb}`);
    expect(env.qdiscs(p.hostVeth)).toEqual([]);
    expect(env.hasLink(ifb)).toBe(true); // not ours: left alone
    env.node.exec(['ip', 'link', 'del', ifb]);
  });

  it('a failed ADD leaves another tool\'s ingress qdisc as it was (Go #894), and removes its own tbf and ifb', async () => {
    const p = await env.attach('taken');
    env.node.exec(['tc', 'qdisc', 'add', 'dev', p.hostVeth, 'handle', 'ffff:', 'ingress']);
    const add = await env.run('ADD', env.conf(SHAPE, p), p);
    expect(add.code).toBe(1);
    expect(add.json.msg).toContain(`create ingress qdisc on ${p.hostVeth}`);
    expect(env.qdiscs(p.hostVeth).map((q) => q.kind)).toEqual(['ingress']);
    expect(env.hasLink(ifbName('net', p.containerId))).toBe(false);
  });

  it('needs a veth listed in prevResult', async () => {
    const p = await env.attach('noveth');
    // without the host veth; the addresses' interface indexes follow their interface
    const names: string[] = p.prevResult.interfaces.map((i: { name: string }) => i.name);
    const interfaces = p.prevResult.interfaces.filter((i: { name: string }) => i.name !== p.hostVeth);
    const ips = p.prevResult.ips.map((ip: { interface?: number }) => (ip.interface === undefined ? ip : { ...ip, interface: interfaces.findIndex((i: { name: string }) => i.name === names[ip.interface as number]) }));
    const prevResult = { ...p.prevResult, interfaces, ips };
    const add = await env.run('ADD', env.conf(SHAPE, { ...p, prevResult }), p);
    expect(add.json.msg).toBe('no veth peer of container interface found in host ns');
    expect(env.qdiscs(p.hostVeth)).toEqual([]);
  });

  it('speaks every version (Go: 0.3.0 up; 0.2.0 has no prevResult, so shaping is code 7), and passes prevResult through when nothing is asked', async () => {
    const version = await env.run('VERSION', { cniVersion: '1.1.0' }, { containerId: 'x', pod: env.node } as never);
    expect(version.json.supportedVersions).toEqual(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
    const p = await env.attach('v030', '0.3.0');
    const old = await env.run('ADD', env.conf({ ingressRate: 1000000, ingressBurst: 100000 }, p, '0.3.0'), p);
    expect(old.code, old.stdout).toBe(0);
    expect(old.json.cniVersion).toBe('0.3.0');
    expect(env.qdiscs(p.hostVeth).map((q) => q.kind)).toEqual(['tbf']);
    const refused = await env.run('ADD', env.conf({ ingressRate: 1000000, ingressBurst: 100000 }, undefined, '0.2.0'), p);
    expect(refused.json).toMatchObject({ code: 7, msg: 'must be called as chained plugin: prevResult missing' });
    const q = await env.attach('none', '1.1.0');
    const none = await env.run('ADD', env.conf({ runtimeConfig: { bandwidth: { IngressRate: 0, IngressBurst: 0, EgressRate: 0, EgressBurst: 0 } } }, q, '1.1.0'), q);
    expect(none.code, none.stdout).toBe(0);
    expect(none.json.interfaces).toEqual(q.prevResult.interfaces);
    expect(env.qdiscs(q.hostVeth)).toEqual([]);
    const gc = await env.run('GC', env.conf({}, undefined, '1.1.0'), q);
    expect([gc.code, gc.stdout]).toEqual([0, '']);
  });
});
