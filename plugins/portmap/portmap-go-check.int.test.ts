import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portmapDnatChainName } from '../../lib/firewall/names.ts';
import { GO_PLUGIN_DIR, type TestNamespace, type TestNode, createTestNode, isRoot, runOurPlugin } from '../../lib/testing/index.ts';

// Our CHECK of a pod Debian's Go portmap (1.1.1) added, on a node where no ADD of ours has run:
// Go installs no localnet guard, so the guard is missing while every rule of the pod's
// mappings is there. CHECK passes (saying so on stderr) for such a pod, which has no record
// of ours; it still fails when a mapping rule is missing, and when the guard is missing for a
// pod we added ourselves.

const NETWORK = 'pmgocheck';
const MAPPINGS = [{ hostPort: 19381, containerPort: 80, protocol: 'tcp' }];

describe.skipIf(!isRoot() || !existsSync(join(GO_PLUGIN_DIR, 'portmap')))('portmap CHECK of a pod the Go plugin added (iptables)', () => {
  let node: TestNode;
  const conflist = (dir: string) => ({
    cniVersion: '1.0.0',
    name: NETWORK,
    plugins: [
      { type: 'bridge', bridge: 'cnitspmgo0', isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.78.0.0/24' }]], dataDir: `$STATE/${dir}` } },
      { type: 'portmap', capabilities: { portMappings: true }, backend: 'iptables', stateDir: '$STATE/portmap' },
    ],
  });
  const goNode = () => createTestNode({ pluginPaths: [GO_PLUGIN_DIR] });

  /** Our portmap CHECK of the pod, given the chain's result as prevResult. */
  function ourCheck(n: TestNode, pod: TestNamespace, prevResult: unknown) {
    const portmap = { ...conflist('ipam').plugins[1], stateDir: join(n.stateDir, 'portmap') };
    return runOurPlugin('portmap', {
      command: 'CHECK',
      node: n.ns,
      containerId: pod.name,
      netns: pod.path,
      ifname: 'eth0',
      config: { cniVersion: '1.0.0', name: NETWORK, ...portmap, runtimeConfig: { portMappings: MAPPINGS }, prevResult },
    });
  }

  beforeAll(() => {
    node = goNode();
  });
  afterAll(() => node?.cleanup());

  it('passes for the Go-added pod, naming the missing guard on stderr; fails once one of its DNAT rules is gone', async () => {
    const pod = node.addPod('pmgo');
    const list = node.network(conflist('ipam'));
    const result = await node.add(list, pod, { capabilityArgs: { portMappings: MAPPINGS } });
    expect(node.ns.exec(['iptables-save', '-t', 'filter'])).not.toContain('CNI-HOSTPORT-LOCALNET');
    const ok = await ourCheck(node, pod, result);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/no record of this attachment .* no localnet guard .*CNI-HOSTPORT-LOCALNET/);

    node.ns.exec(['iptables', '-t', 'nat', '-F', portmapDnatChainName(NETWORK, pod.name)]);
    const broken = await ourCheck(node, pod, result);
    expect(broken.code).not.toBe(0);
    expect(broken.json?.msg).toMatch(/portmap CHECK failed: .*CNI-DN-/);
  });

  it('fails for a pod we added ourselves once the guard is gone', async () => {
    const ours = createTestNode();
    try {
      const pod = ours.addPod('pmours');
      const result = await ours.add(ours.network(conflist('ipam')), pod, { capabilityArgs: { portMappings: MAPPINGS } });
      expect((await ourCheck(ours, pod, result)).code).toBe(0);
      ours.ns.exec(['iptables', '-D', 'INPUT', '-j', 'CNI-HOSTPORT-LOCALNET']);
      const r = await ourCheck(ours, pod, result);
      expect(r.code).not.toBe(0);
      expect(r.json?.msg).toMatch(/portmap CHECK failed: .*filter INPUT: -j CNI-HOSTPORT-LOCALNET/);
    } finally {
      ours.cleanup();
    }
  });
});
