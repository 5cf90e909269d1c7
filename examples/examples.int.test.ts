import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../lib/cni/index.ts';
import { type TestNode, createTestNode, isRoot } from '../lib/testing/index.ts';

// The README's example configurations, run for real: each must ADD, CHECK and DEL cleanly.
const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter((f) => f.endsWith('.conflist'));

/**
 * The bandwidth capability as containerd sends it for the annotations `kubernetes.io/ingress-bandwidth: 10M`
 * and `kubernetes.io/egress-bandwidth: 10M`: PascalCase keys (go-cni's struct has no JSON tags), bursts MaxUint32.
 */
const CONTAINERD_BANDWIDTH = { IngressRate: 10_000_000, IngressBurst: 4_294_967_295, EgressRate: 10_000_000, EgressBurst: 4_294_967_295 };

/** Points every state directory into the test's temporary state and renames the bridges. */
function localize(text: string, state: string, tag: string): unknown {
  const conf = JSON.parse(text.replace(/"bridge": "cni(\d)"/g, `"bridge": "cnitsex${tag}$1"`));
  for (const p of conf.plugins) {
    if (p.ipam?.type === 'host-local') p.ipam.dataDir = join(state, 'ipam');
    if (p.type === 'portmap') p.stateDir = join(state, 'portmap');
    if (p.type === 'tuning') p.dataDir = join(state, 'tuning');
    if (p.type === 'firewall') p.stateDir = join(state, 'firewall');
  }
  return conf;
}

/**
 * What the chained plugins that change nothing in the result leave on the node while the pod is
 * up, so the test sees that they ran and not only passed the result on: bandwidth's tbf qdiscs
 * (host veth and ifb), firewall's rules naming the pod's address.
 */
function nodeTraces(node: TestNode, types: readonly string[], podIp: string): { tbf: string[]; firewall: string[] } {
  const lines = (argv: string[]) => node.ns.exec(argv).split('\n');
  return {
    tbf: types.includes('bandwidth') ? lines(['tc', 'qdisc', 'show']).filter((l) => l.startsWith('qdisc tbf')) : [],
    firewall: types.includes('firewall') ? lines(['iptables-save', '-t', 'filter']).filter((l) => l.includes(`${podIp}/32`)) : [],
  };
}

describe.skipIf(!isRoot())('example configurations (examples/*.conflist)', () => {
  let node: TestNode;
  beforeAll(() => {
    node = createTestNode({ nodeAddress: '192.0.2.1/24' });
  });
  afterAll(() => node?.cleanup());

  it.each(files)('%s works end to end', async (file) => {
    const list = node.network(localize(readFileSync(join(here, file), 'utf8'), node.stateDir, String(files.indexOf(file))));
    const pod = node.addPod('ex');
    const ifname = file.includes('loopback') ? 'lo' : 'eth0';
    // what a CRI runtime passes; each plugin gets only the capabilities it declares
    const caps = { portMappings: [{ hostPort: 18100 + files.indexOf(file), containerPort: 80, protocol: 'tcp' }], bandwidth: CONTAINERD_BANDWIDTH };
    const result = (await node.add(list, pod, { ifname, capabilityArgs: caps })) as Result;
    expect(result.ips?.length).toBeGreaterThan(0);
    const types = list.plugins.map((p) => p.type);
    const podIp = result.ips?.[0]?.address.split('/')[0] ?? '';
    const up = nodeTraces(node, types, podIp);
    // 10M from the capability, in and out: the host veth's qdisc and the ifb's
    if (types.includes('bandwidth')) expect(up.tbf.filter((l) => l.includes('rate 10Mbit'))).toHaveLength(2);
    if (types.includes('firewall')) expect(up.firewall.length).toBeGreaterThan(0);
    await node.check(list, pod, { ifname, capabilityArgs: caps });
    await node.del(list, pod, { ifname, capabilityArgs: caps });
    expect(nodeTraces(node, types, podIp)).toEqual({ tbf: [], firewall: [] });
    expect(readdirSync(join(node.stateDir, 'cache', 'results'))).toEqual([]);
  });
});
