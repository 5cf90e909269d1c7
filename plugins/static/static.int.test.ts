import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, type PluginCall, type TestNamespace, createNamespace, ipJson, isRoot, removeAllNamespaces, runPluginBinary } from '../../lib/testing/index.ts';

// The built static plugin (dist/bin/static), run directly as a runtime runs an IPAM plugin,
// and as the ipam of our bridge in a throwaway node namespace with pod namespaces: the pod
// gets exactly the configured address, and the node reaches it.

const STATIC = join(DIST_BIN, 'static');
const BRIDGE = join(DIST_BIN, 'bridge');

const ipam = {
  type: 'static',
  addresses: [{ address: '10.88.0.10/24', gateway: '10.88.0.1' }, { address: 'fd88::10/64', gateway: 'fd88::1' }],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '10.99.0.0/16', gw: '10.88.0.254' }],
  dns: { nameservers: ['10.88.0.53'], search: ['pods.example'] },
};

/** Runs dist/bin/static; `netns` null leaves CNI_NETNS unset (a DEL after the netns is gone). */
function direct(command: string, config: unknown, call: Partial<PluginCall> = {}, netns: string | null = '/dev/null') {
  return runPluginBinary(STATIC, { command, config, containerId: 'ctr1', ifname: 'eth0', ...(netns === null ? {} : { netns }), ...call });
}

describe('static, run directly', () => {
  it('VERSION lists 0.1.0 to 1.1.0', async () => {
    const out = await direct('VERSION', { cniVersion: '1.1.0' });
    expect(out.code).toBe(0);
    expect(out.json.supportedVersions).toEqual(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
  });

  it.each(['0.1.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])('ADD answers in the config version %s', async (cniVersion) => {
    const one = { ...ipam, addresses: ipam.addresses.slice(0, 1) };
    const out = await direct('ADD', { cniVersion, name: 'n', ipam: one });
    expect(out.code, out.stdout).toBe(0);
    expect(out.json.cniVersion).toBe(cniVersion);
    const address = cniVersion < '0.3.0' ? out.json.ip4.ip : out.json.ips[0].address;
    expect(address).toBe('10.88.0.10/24');
  });

  it('ADD takes CNI_ARGS IP and GATEWAY, args.cni.ips and the ips capability with Go\'s precedence', async () => {
    const base = { cniVersion: '1.1.0', name: 'n', ipam: { type: 'static' } };
    const args = await direct('ADD', base, { args: 'IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.1.0.5/24,fd01::5/64;GATEWAY=10.1.0.1' });
    expect(args.json.ips).toEqual([{ address: '10.1.0.5/24', gateway: '10.1.0.1' }, { address: 'fd01::5/64' }]);
    const argsCni = await direct('ADD', { ...base, args: { cni: { ips: ['10.2.0.5/24'] } } }, { args: 'IP=10.1.0.5/24' });
    expect(argsCni.json.ips).toEqual([{ address: '10.2.0.5/24' }]);
    const capability = await direct('ADD', { ...base, args: { cni: { ips: ['10.2.0.5/24'] } }, runtimeConfig: { ips: ['10.3.0.5/24'] } });
    expect(capability.json.ips).toEqual([{ address: '10.3.0.5/24' }]);
  });

  it('DEL succeeds with nothing on stdout; CHECK passes for the ADD result; GC and STATUS succeed', async () => {
    const conf = { cniVersion: '1.1.0', name: 'n', ipam };
    const added = await direct('ADD', conf);
    expect(await direct('CHECK', { ...conf, prevResult: added.json })).toMatchObject({ code: 0, stdout: '' });
    expect(await direct('DEL', conf)).toMatchObject({ code: 0, stdout: '' });
    expect(await direct('DEL', conf, {}, null)).toMatchObject({ code: 0, stdout: '' });
    expect(await direct('GC', conf)).toMatchObject({ code: 0, stdout: '' });
    expect(await direct('STATUS', conf)).toMatchObject({ code: 0, stdout: '' });
  });

  const bad: [string, Record<string, unknown>, string | undefined, number, string][] = [
    ['an address without prefix', { addresses: [{ address: '10.88.0.10' }] }, undefined, 7, 'ipam.addresses[0].address'],
    ['a prefix of 99', { addresses: [{ address: '10.88.0.10/99' }] }, undefined, 7, 'ipam.addresses[0].address'],
    ['a gateway that is not an address', { addresses: [{ address: '10.88.0.10/24', gateway: '10.88.0' }] }, undefined, 7, 'ipam.addresses[0].gateway'],
    ['addresses of the wrong type', { addresses: '10.88.0.10/24' }, undefined, 7, 'ipam.addresses'],
    ['routes of the wrong type', { addresses: [{ address: '10.88.0.10/24' }], routes: { dst: '0.0.0.0/0' } }, undefined, 7, 'ipam.routes'],
    ['no addresses at all', {}, undefined, 7, 'no addresses'],
    ['a bare CNI_ARGS IP', {}, 'IP=10.88.0.10', 4, 'CNI_ARGS IP'],
    ['a CNI_ARGS GATEWAY that is not an address', {}, 'IP=10.88.0.10/24;GATEWAY=nope', 4, 'CNI_ARGS GATEWAY'],
  ];
  it.each(bad)('ADD with %s is code %i naming the key', async (_what, keys, args, code, key) => {
    const out = await direct('ADD', { cniVersion: '1.0.0', name: 'n', ipam: { type: 'static', ...keys } }, args === undefined ? {} : { args });
    expect(out.code).toBe(1);
    expect(out.json).toMatchObject({ cniVersion: '1.0.0', code });
    expect(out.json.msg).toContain(key);
  });
});

const addrs = (ns: TestNamespace, dev: string) =>
  (ipJson<{ addr_info: { local: string; prefixlen: number; scope: string }[] }[]>(ns, ['addr', 'show', 'dev', dev])[0]?.addr_info ?? [])
    .filter((a) => a.scope === 'global')
    .map((a) => `${a.local}/${a.prefixlen}`);

describe.skipIf(!isRoot())('static as the ipam of our bridge', () => {
  let node: TestNamespace;
  const conf = (extra: Record<string, unknown> = {}, ipamKeys: Record<string, unknown> = ipam) => ({
    cniVersion: '1.1.0', name: 'staticnet', type: 'bridge', bridge: 'br-static', isGateway: true, ipam: ipamKeys, ...extra,
  });
  const bridge = (command: string, config: unknown, pod: TestNamespace, containerId: string, args?: string) =>
    runPluginBinary(BRIDGE, { command, config, containerId, ifname: 'eth0', netns: pod.path, node, ...(args ? { args } : {}) });

  beforeAll(() => {
    node = createNamespace('static-node');
    node.exec(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=0']);
  });
  afterAll(() => removeAllNamespaces());

  it('the pod gets the configured addresses and routes; the node reaches it; CHECK passes; DEL removes them', async () => {
    const pod = createNamespace('static-pod');
    const added = await bridge('ADD', conf(), pod, 'c1');
    expect(added.code, added.stdout + added.stderr).toBe(0);
    expect(added.json.ips).toEqual([
      { address: '10.88.0.10/24', gateway: '10.88.0.1', interface: 2 },
      { address: 'fd88::10/64', gateway: 'fd88::1', interface: 2 },
    ]);
    expect(added.json.dns).toEqual(ipam.dns);
    expect(addrs(pod, 'eth0')).toEqual(['10.88.0.10/24', 'fd88::10/64']);
    const routes = ipJson<{ dst: string; gateway?: string }[]>(pod, ['route', 'show']);
    expect(routes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.88.0.1' }));
    expect(routes).toContainEqual(expect.objectContaining({ dst: '10.99.0.0/16', gateway: '10.88.0.254' }));
    expect(node.tryExec(['ping', '-c', '1', '-W', '2', '10.88.0.10']).code).toBe(0);

    const checked = await bridge('CHECK', conf({ prevResult: added.json }), pod, 'c1');
    expect(checked.code, checked.stdout).toBe(0);
    const deleted = await bridge('DEL', conf({ prevResult: added.json }), pod, 'c1');
    expect(deleted.code, deleted.stdout).toBe(0);
    expect(pod.tryExec(['ip', 'link', 'show', 'eth0']).code).not.toBe(0);
    expect(node.tryExec(['ping', '-c', '1', '-W', '1', '10.88.0.10']).code).not.toBe(0);
    pod.remove();
  });

  it('a pod addressed through CNI_ARGS and one through the ips capability, on the same bridge, reach each other', async () => {
    const podA = createNamespace('static-pa');
    const podB = createNamespace('static-pb');
    const empty = { type: 'static' };
    const a = await bridge('ADD', conf({}, empty), podA, 'ca', 'IgnoreUnknown=1;IP=10.88.0.21/24;GATEWAY=10.88.0.1');
    expect(a.code, a.stdout).toBe(0);
    const b = await bridge('ADD', conf({ capabilities: { ips: true }, runtimeConfig: { ips: ['10.88.0.22/24'] } }, { ...empty, addresses: [{ address: '10.88.0.99/24' }] }), podB, 'cb');
    expect(b.code, b.stdout).toBe(0);
    expect(addrs(podA, 'eth0')).toEqual(['10.88.0.21/24']);
    expect(addrs(podB, 'eth0')).toEqual(['10.88.0.22/24']);
    expect(podA.tryExec(['ping', '-c', '1', '-W', '2', '10.88.0.22']).code).toBe(0);
    expect(node.tryExec(['ping', '-c', '1', '-W', '2', '10.88.0.21']).code).toBe(0);
    expect((await bridge('DEL', conf({}, empty), podA, 'ca', 'IP=10.88.0.21/24')).code).toBe(0);
    expect((await bridge('DEL', conf({}, empty), podB, 'cb')).code).toBe(0);
  });

  it('bad static input fails the bridge ADD with static\'s code and leaves no pod interface or host veth', async () => {
    const pod = createNamespace('static-bad');
    const vethsBefore = ipJson<{ ifname: string }[]>(node, ['link', 'show', 'type', 'veth']).length;
    const out = await bridge('ADD', conf({}, { type: 'static', addresses: [{ address: '10.88.0.30' }] }), pod, 'cbad');
    expect(out.code).toBe(1);
    expect(out.json.code).toBe(7);
    expect(out.json.msg).toContain('ipam.addresses[0].address');
    expect(pod.tryExec(['ip', 'link', 'show', 'eth0']).code).not.toBe(0);
    expect(ipJson<{ ifname: string }[]>(node, ['link', 'show', 'type', 'veth'])).toHaveLength(vethsBefore);
  });
});
