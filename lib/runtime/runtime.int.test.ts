import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../cni/index.ts';
import { type TestNode, createTestNode, ipJson, isRoot } from '../testing/index.ts';

const netA = {
  cniVersion: '1.1.0',
  name: 'rt-a',
  plugins: [
    { type: 'bridge', bridge: 'cnitsrta0', isGateway: true, ipMasq: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.120.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '$STATE/ipam' } },
    { type: 'portmap', capabilities: { portMappings: true }, stateDir: '$STATE/portmap' },
  ],
};
const netB = {
  cniVersion: '1.0.0',
  name: 'rt-b',
  plugins: [{ type: 'bridge', bridge: 'cnitsrtb0', isGateway: true, ipam: { type: 'host-local', subnet: '10.121.0.0/24', dataDir: '$STATE/ipam' } }],
};
const lo = { cniVersion: '0.3.1', name: 'cni-loopback', plugins: [{ type: 'loopback' }] };

describe.skipIf(!isRoot())('the runtime drives the real suite (throwaway namespaces)', () => {
  let node: TestNode;
  beforeAll(() => {
    node = createTestNode({ nodeAddress: '192.0.2.1/24' });
  });
  afterAll(() => node?.cleanup());

  it('attaches two networks and loopback to one pod, checks and removes them without leftovers', async () => {
    const pod = node.addPod('rt-pod');
    const a = node.network(netA);
    const b = node.network(netB);
    const l = node.network(lo);
    await node.add(l, pod, { ifname: 'lo' });
    const ra = (await node.add(a, pod, { capabilityArgs: { portMappings: [{ hostPort: 18090, containerPort: 80, protocol: 'tcp' }] } })) as Result;
    const rb = (await node.add(b, pod, { ifname: 'net1' })) as Result;
    expect(ra.ips?.[0]?.address).toMatch(/^10\.120\.0\.\d+\/24$/);
    expect(rb.ips?.[0]?.address).toMatch(/^10\.121\.0\.\d+\/24$/);
    const links = ipJson<{ ifname: string }[]>(pod, ['link', 'show']).map((x) => x.ifname);
    expect(links).toEqual(expect.arrayContaining(['lo', 'eth0', 'net1']));
    expect(readdirSync(join(node.stateDir, 'cache', 'results')).sort()).toEqual(
      [`cni-loopback-${pod.name}-lo`, `rt-a-${pod.name}-eth0`, `rt-b-${pod.name}-net1`].sort(),
    );
    await node.check(a, pod);
    await node.check(b, pod, { ifname: 'net1' });
    const nat = node.ns.exec(['iptables-save', '-t', 'nat']);
    expect(nat).toContain('CNI-DN-');

    await node.del(b, pod, { ifname: 'net1' });
    await node.del(a, pod, { capabilityArgs: { portMappings: [{ hostPort: 18090, containerPort: 80, protocol: 'tcp' }] } });
    await node.del(l, pod, { ifname: 'lo' });
    // a second DEL, as CRI sends on RemovePodSandbox: no netns, no cache
    await node.del(a, pod, { netns: '' });
    expect(readdirSync(join(node.stateDir, 'cache', 'results'))).toEqual([]);
    expect(ipJson<{ ifname: string }[]>(pod, ['link', 'show']).map((x) => x.ifname)).toEqual(['lo']);
    const after = node.ns.exec(['iptables-save', '-t', 'nat']);
    expect(after).not.toMatch(/CNI-DN-[0-9a-f]/);
    expect(after).not.toMatch(/-j CNI-[0-9a-f]{24}/);
    const reservations = readdirSync(join(node.stateDir, 'ipam', 'rt-a')).filter((f) => /^\d/.test(f));
    expect(reservations).toEqual([]);
  });
});
