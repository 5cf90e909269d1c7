import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNode, createTestNode, ipJson, isRoot } from '../../lib/testing/index.ts';

// tuning as real configurations chain it, driven by the runtime library (libcni's behaviour:
// prevResult injected, the result cached for CHECK and DEL): podman's bridge network, where
// tuning has no keys and the MAC arrives as CNI_ARGS MAC (podman run --mac-address), and a
// conflist with the `mac` capability. Only dataDir is added, to keep the backup in the test's
// directory.

const podmanNetwork = (mac: boolean) => ({
  cniVersion: '0.4.0',
  name: mac ? 'podcap' : 'podnet',
  plugins: [
    {
      type: 'bridge',
      bridge: mac ? 'cni-podman8' : 'cni-podman9',
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      ipam: { type: 'host-local', routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: mac ? '10.89.8.0/24' : '10.89.9.0/24' }]], dataDir: '$STATE/ipam' },
    },
    { type: 'tuning', dataDir: '$STATE/tuning', ...(mac ? { capabilities: { mac: true } } : {}) },
  ],
});

describe.skipIf(!isRoot())('tuning in a chain run by the runtime library', () => {
  let node: TestNode;
  beforeAll(() => {
    node = createTestNode();
  });
  afterAll(() => node?.cleanup());

  const podMac = (pod: ReturnType<TestNode['addPod']>) => ipJson<{ address: string }[]>(pod, ['link', 'show', 'eth0'])[0]?.address;

  it('podman\'s {"type":"tuning"}: passes the result through, and with CNI_ARGS MAC sets it until DEL', async () => {
    const list = node.network(podmanNetwork(false));
    const plain = node.addPod('plain');
    const r = (await node.add(list, plain)) as { interfaces: { name: string; mac: string; sandbox?: string }[] };
    expect(r.interfaces.find((i) => i.sandbox)?.mac).toBe(podMac(plain));
    await node.check(list, plain);
    await node.del(list, plain);

    const fixed = node.addPod('fixed');
    const args = [['IgnoreUnknown', '1'], ['MAC', '0a:58:0a:59:09:77']] as const;
    const r2 = (await node.add(list, fixed, { args })) as { interfaces: { name: string; mac: string; sandbox?: string }[] };
    expect(r2.interfaces.find((i) => i.sandbox)?.mac).toBe('0a:58:0a:59:09:77');
    expect(podMac(fixed)).toBe('0a:58:0a:59:09:77');
    expect(readdirSync(join(node.stateDir, 'tuning'))).toEqual([`${fixed.name}_eth0.json`]);
    await node.check(list, fixed, { args });
    await node.del(list, fixed, { args });
    expect(readdirSync(join(node.stateDir, 'tuning'))).toEqual([]); // tuning's DEL runs first (reverse order) and restores
    expect(fixed.tryExec(['ip', 'link', 'show', 'eth0']).code).not.toBe(0); // bridge removed the interface
  });

  it('the mac capability reaches tuning as runtimeConfig.mac', async () => {
    const list = node.network(podmanNetwork(true));
    const pod = node.addPod('cap');
    await node.add(list, pod, { capabilityArgs: { mac: '0a:58:0a:59:08:42' } });
    expect(podMac(pod)).toBe('0a:58:0a:59:08:42');
    await node.check(list, pod, { capabilityArgs: { mac: '0a:58:0a:59:08:42' } });
    // something else turned promiscuous mode on: Go's CHECK fails then too (bridge's CHECK does not look)
    pod.exec(['ip', 'link', 'set', 'eth0', 'promisc', 'on']);
    await expect(node.check(list, pod, { capabilityArgs: { mac: '0a:58:0a:59:08:42' } })).rejects.toThrow(/tuning CHECK failed: eth0 promiscuous mode is on, configured off/);
    await node.del(list, pod, { capabilityArgs: { mac: '0a:58:0a:59:08:42' } });
  });
});
