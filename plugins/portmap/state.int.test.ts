import { existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portmapDnatChainName } from '../../lib/firewall/names.ts';
import { type TestNamespace, type TestNode, createTestNode, isRoot, runOurPlugin } from '../../lib/testing/index.ts';

// The built portmap with a state directory someone else has touched: a symbolic link planted
// where ADD records its rules, and a record turned to garbage before DEL. Run in a throwaway
// node namespace; the DNAT target needs no pod behind it.

type Backend = 'iptables' | 'nftables';

describe.skipIf(!isRoot()).each(['iptables', 'nftables'] as const)('portmap with planted and damaged state (%s)', (backend: Backend) => {
  let node: TestNode;
  let pod: TestNamespace;
  const network = backend === 'iptables' ? 'pmst4' : 'pmst6';
  beforeAll(() => {
    node = createTestNode();
    pod = node.addPod('pmst');
  });
  afterAll(() => node?.cleanup());

  const stateDir = () => join(node.stateDir, 'portmap');
  const config = (containerId: string) => ({
    cniVersion: '1.0.0',
    name: network,
    type: 'portmap',
    backend,
    stateDir: stateDir(),
    runtimeConfig: { portMappings: [{ hostPort: 18400, containerPort: 80, protocol: 'tcp' }] },
    prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: pod.path }], ips: [{ address: '10.125.0.5/24', interface: 0 }] },
  });
  const call = (command: 'ADD' | 'DEL', containerId: string, cfg: object = config(containerId)) =>
    runOurPlugin('portmap', { command, config: cfg, containerId, netns: pod.path, ifname: 'eth0', node: node.ns });
  const rules = (): string => (backend === 'iptables' ? node.ns.exec(['iptables-save', '-t', 'nat']) : node.ns.exec(['nft', 'list', 'ruleset']));
  const marker = (containerId: string, net = network) => (backend === 'iptables' ? portmapDnatChainName(net, containerId) : `comment "${containerId}"`);

  it('replaces a symlink planted where ADD records, without writing through it, and DEL cleans up', async () => {
    const id = `${network}-link`;
    // the first ADD of the network makes its state directory; then the link is planted
    expect((await call('ADD', `${network}-first`)).code).toBe(0);
    const target = join(node.stateDir, 'precious');
    writeFileSync(target, 'precious');
    const record = join(stateDir(), network, `${id}:eth0`);
    symlinkSync(target, record);
    const added = await call('ADD', id);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(`${record} is a symlink where a state file was expected; replacing the symlink itself`);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(lstatSync(record).isFile()).toBe(true);
    expect(rules()).toContain(marker(id));
    expect((await call('DEL', id)).code).toBe(0);
    expect((await call('DEL', `${network}-first`)).code).toBe(0);
    expect(rules()).not.toContain(marker(id));
    expect(existsSync(record)).toBe(false);
  });

  it('DEL with a garbage record names the damage and still removes the rules, by owner', async () => {
    const id = `${network}-junk`;
    expect((await call('ADD', id)).code).toBe(0);
    expect(rules()).toContain(marker(id));
    const record = join(stateDir(), network, `${id}:eth0`);
    writeFileSync(record, '{"backend":"nftables","spec":{"netw');
    // a DEL that gets no mappings again (the runtime lost them): only the owner is known
    const { runtimeConfig: _, ...withoutMappings } = config(id);
    const deleted = await call('DEL', id, withoutMappings);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toMatch(/state file .* is damaged: it is not JSON .*; finding this attachment's rules by owner/);
    expect(rules()).not.toContain(marker(id));
    expect(rules()).not.toContain('10.125.0.5');
    expect(existsSync(record)).toBe(false);
  });

  it('ADD over a garbage record of the same attachment is not blocked: the record is replaced', async () => {
    const id = `${network}-over`;
    const record = join(stateDir(), network, `${id}:eth0`);
    writeFileSync(record, '\u0000garbage');
    const added = await call('ADD', id);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(readFileSync(record, 'utf8'))).toMatchObject({ backend, spec: { containerId: id } });
    expect((await call('DEL', id)).code).toBe(0);
    expect(rules()).not.toContain(marker(id));
  });

  it('GC removes the rules of recorded attachments that are not valid, and their records; the valid one and another network keep theirs', async () => {
    const keep = `${network}-gckeep`;
    const stale = `${network}-gcstale`;
    const otherNet = `${network}x`;
    const other = `${network}-gcother`;
    const addOn = (id: string, name: string, ip: string) => {
      const c = config(id);
      return call('ADD', id, { ...c, name, prevResult: { ...c.prevResult, ips: [{ address: ip, interface: 0 }] } });
    };
    expect((await addOn(keep, network, '10.125.0.6/24')).code).toBe(0);
    expect((await addOn(stale, network, '10.125.0.7/24')).code).toBe(0);
    expect((await addOn(other, otherNet, '10.125.0.8/24')).code).toBe(0);
    for (const [id, net] of [[keep, network], [stale, network], [other, otherNet]]) expect(rules()).toContain(marker(id!, net));
    const gc = await runOurPlugin('portmap', {
      command: 'GC',
      config: { cniVersion: '1.1.0', name: network, type: 'portmap', backend, stateDir: stateDir(), 'cni.dev/valid-attachments': [{ containerID: keep, ifname: 'eth0' }] },
      node: node.ns,
    });
    expect(gc.code, gc.stdout + gc.stderr).toBe(0);
    expect(rules()).not.toContain(marker(stale));
    expect(rules()).not.toContain('10.125.0.7');
    expect(existsSync(join(stateDir(), network, `${stale}:eth0`))).toBe(false);
    expect(rules()).toContain(marker(keep));
    expect(rules()).toContain(marker(other, otherNet));
    expect((await call('DEL', keep)).code).toBe(0);
    const delOther = config(other);
    expect((await call('DEL', other, { ...delOther, name: otherNet })).code).toBe(0);
    expect(rules()).not.toContain(marker(keep));
    expect(rules()).not.toContain(marker(other, otherNet));
  });
});
