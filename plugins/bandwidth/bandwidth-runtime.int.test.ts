import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNode, createTestNode, isRoot } from '../../lib/testing/index.ts';
import { ifbName } from './plan.ts';

// bandwidth as real configurations chain it, driven by the runtime library (libcni's
// behaviour: the capability injected as runtimeConfig, prevResult injected, the result cached
// for CHECK and DEL): a kubenet-era bridge + host-local + portmap + bandwidth conflist (the
// Kubernetes docs' chain; k3s writes the same portmap + bandwidth tail), with the bandwidth
// capability as containerd passes a pod's kubernetes.io/ingress-bandwidth and egress-bandwidth
// annotations (10M each): PascalCase keys, bursts of 2^32-1 bits.

const conflist = {
  cniVersion: '1.0.0',
  name: 'k8s-pod-network',
  plugins: [
    { type: 'bridge', bridge: 'cbr-bw', isGateway: true, ipMasq: false, hairpinMode: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.77.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '$STATE/ipam' } },
    { type: 'portmap', capabilities: { portMappings: true }, snat: true, stateDir: '$STATE/portmap' },
    { type: 'bandwidth', capabilities: { bandwidth: true } },
  ],
};

const ANNOTATED = { bandwidth: { IngressRate: 10000000, IngressBurst: 4294967295, EgressRate: 10000000, EgressBurst: 4294967295 } };

describe.skipIf(!isRoot())('bandwidth in a chain run by the runtime library', () => {
  let node: TestNode;
  beforeAll(() => {
    node = createTestNode();
  });
  afterAll(() => node?.cleanup());

  const qdiscKinds = (dev: string) => (JSON.parse(node.ns.exec(['tc', '-j', 'qdisc', 'show', 'dev', dev])) as { kind: string }[]).map((q) => q.kind).filter((k) => k !== 'noqueue').sort();

  it('a pod with both annotations: shaped both ways, CHECK passes, DEL removes the ifb', async () => {
    const list = node.network(conflist);
    const pod = node.addPod('annot');
    const r = (await node.add(list, pod, { capabilityArgs: ANNOTATED })) as { interfaces: { name: string; sandbox?: string }[] };
    const ifb = ifbName('k8s-pod-network', pod.name);
    expect(r.interfaces.at(-1)?.name).toBe(ifb);
    const hostVeth = r.interfaces.find((i) => !i.sandbox && i.name !== 'cbr-bw' && i.name !== ifb)?.name ?? '';
    expect(qdiscKinds(hostVeth)).toEqual(['ingress', 'tbf']);
    expect(qdiscKinds(ifb)).toEqual(['tbf']);
    await node.check(list, pod, { capabilityArgs: ANNOTATED });
    await node.del(list, pod, { capabilityArgs: ANNOTATED });
    expect(node.ns.tryExec(['ip', 'link', 'show', ifb]).code).not.toBe(0);
  });

  it('a pod without annotations (no capability argument): nothing shaped, nothing added to the result', async () => {
    const list = node.network(conflist);
    const pod = node.addPod('plain');
    const r = (await node.add(list, pod)) as { interfaces: { name: string }[] };
    expect(r.interfaces.some((i) => i.name.startsWith('bwp'))).toBe(false);
    await node.check(list, pod);
    await node.del(list, pod);
  });
});
