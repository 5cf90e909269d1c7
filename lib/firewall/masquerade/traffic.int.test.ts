import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teardownEveryBackend } from '../every-backend.ts';
import type { BackendName } from '../backend.ts';
import { backendsInUse, selectBackend } from '../select.ts';
import type { TestNetns } from '../test-netns.ts';
import { createTestNetns, isRoot } from '../test-netns.ts';
import { masquerade } from './feature.ts';
import type { MasqSpec } from './types.ts';
import { parseCidr } from '../../addr/index.ts';

// pod (10.203.0.2/16) -- node (10.203.0.1, 192.0.2.1) -- outside (192.0.2.2/24).
// "outside" has no route back to 10.203.0.0/16, so a ping from the pod gets an answer
// only when the node masquerades it: the ping is the proof that the rules work.

const spec: MasqSpec = {
  network: 'cnits-traffic',
  containerId: 'c0ffee',
  ifname: 'eth0',
  ips: [parseCidr('10.203.0.2/16')],
};

describe.skipIf(!isRoot())('masquerade traffic through a node netns', () => {
  let pod: TestNetns;
  let node: TestNetns;
  let outside: TestNetns;

  beforeAll(async () => {
    [pod, node, outside] = await Promise.all([createTestNetns('fw-pod'), createTestNetns('fw-node'), createTestNetns('fw-out')]);
    // links are created inside the namespaces (ip -n), never in the root namespace
    await node.sh(['ip', 'link', 'add', 'vn', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.name]);
    await node.sh(['ip', 'link', 'add', 'wo', 'type', 'veth', 'peer', 'name', 'wi', 'netns', outside.name]);
    await node.sh(['ip', 'addr', 'add', '10.203.0.1/16', 'dev', 'vn']);
    await node.sh(['ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'wo']);
    await node.sh(['ip', 'link', 'set', 'vn', 'up']);
    await node.sh(['ip', 'link', 'set', 'wo', 'up']);
    await node.sh(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await pod.sh(['ip', 'addr', 'add', '10.203.0.2/16', 'dev', 'eth0']);
    await pod.sh(['ip', 'link', 'set', 'eth0', 'up']);
    await pod.sh(['ip', 'route', 'add', 'default', 'via', '10.203.0.1']);
    await outside.sh(['ip', 'addr', 'add', '192.0.2.2/24', 'dev', 'wi']);
    await outside.sh(['ip', 'link', 'set', 'wi', 'up']);
  });
  afterAll(async () => {
    await Promise.all([pod, node, outside].map((n) => n?.destroy()));
  });

  const pingOutside = async (): Promise<boolean> =>
    (await pod.runner.run(['ping', '-c', '1', '-W', '1', '192.0.2.2'])).exitCode === 0;

  it('without rules the outside host cannot answer', async () => {
    expect(await pingOutside()).toBe(false);
  });

  it.each(['iptables', 'nftables'] as BackendName[])('%s: setup makes the pod reach outside, teardown stops it', async (name) => {
    const b = selectBackend(masquerade, name, node.runner);
    await b.setup(spec);
    expect(await pingOutside()).toBe(true);
    await b.teardown(spec);
    // new flows only: forget the conntrack entry of the first ping
    await node.runner.run(['conntrack', '-F']);
    expect(await pingOutside()).toBe(false);
  });

  it('teardown in every installed backend removes rules whichever backend made them', async () => {
    const backends = backendsInUse(masquerade, node.runner, { tableMayExist: () => true });
    expect(backends.map((b) => b.name)).toEqual(['iptables', 'nftables']);
    for (const b of backends) {
      await b.setup(spec);
      await teardownEveryBackend(backends, { ...spec, ips: [] });
      await node.runner.run(['conntrack', '-F']);
      expect(await pingOutside()).toBe(false);
      await expect(b.check(spec)).rejects.toThrow(/missing/);
    }
  });
});
