import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNamespace, ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type BridgeEnv, attach, createBridgeEnv } from './test-env.ts';

// The basic pod network: two pods on one bridge, the gateway on the bridge, masquerade, the
// result's shape, and DEL leaving nothing of the attachment behind.

interface IpLink { ifname: string; mtu: number; address: string; operstate: string; master?: string; flags: string[]; link_index?: number; linkinfo?: { info_kind?: string } }
interface IpAddr { ifname: string; addr_info: { family: string; local: string; prefixlen: number }[] }

const addrs = (ns: TestNamespace, dev: string) =>
  (ipJson<IpAddr[]>(ns, ['addr', 'show', 'dev', dev])[0]?.addr_info ?? []).filter((a) => !a.local.startsWith('fe80')).map((a) => `${a.local}/${a.prefixlen}`);
const ping = (from: TestNamespace, to: string) => from.tryExec(['ping', '-c', '1', '-W', '2', to]).code;

describe.skipIf(!isRoot())('bridge: two pods on one bridge', () => {
  let env: BridgeEnv;
  let pod1: TestNamespace;
  let pod2: TestNamespace;
  let r1: any;
  let r2: any;
  const conf = () => env.conf({ isGateway: true, ipMasq: true, mtu: 1400 }, { routes: [{ dst: '0.0.0.0/0' }] });

  beforeAll(async () => {
    env = createBridgeEnv('br');
    pod1 = env.pod('p1');
    pod2 = env.pod('p2');
    const a1 = await env.run({ command: 'ADD', config: conf(), ...attach(pod1, 'c1') });
    const a2 = await env.run({ command: 'ADD', config: conf(), ...attach(pod2, 'c2') });
    expect(a1.code, a1.stdout + a1.stderr).toBe(0);
    expect(a2.code, a2.stdout + a2.stderr).toBe(0);
    r1 = a1.json;
    r2 = a2.json;
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  it('returns the bridge, the host veth and the container interface, in that order', () => {
    const [br, host, ctr] = r1.interfaces;
    expect(br.name).toBe('br0');
    expect(host.name).toMatch(/^veth[0-9a-f]{8}$/);
    expect(ctr).toMatchObject({ name: 'eth0', sandbox: pod1.path });
    expect(r1.ips).toEqual([{ address: '10.77.0.2/24', gateway: '10.77.0.1', interface: 2 }]);
    expect(r1.routes).toEqual([{ dst: '0.0.0.0/0' }]);
    const bridge = ipJson<IpLink[]>(env.node, ['link', 'show', 'br0'])[0];
    expect(bridge?.address).toBe(br.mac);
    const veth = ipJson<IpLink[]>(env.node, ['link', 'show', host.name])[0];
    expect(veth?.address).toBe(host.mac);
    expect(veth?.master).toBe('br0');
    const eth0 = ipJson<IpLink[]>(pod1, ['link', 'show', 'eth0'])[0];
    expect(eth0?.address).toBe(ctr.mac);
    expect(eth0?.operstate).toBe('UP');
  });

  it('puts the gateway on the bridge, the address and default route in the pod, MTU on both ends', () => {
    expect(addrs(env.node, 'br0')).toEqual(['10.77.0.1/24']);
    expect(addrs(pod1, 'eth0')).toEqual(['10.77.0.2/24']);
    expect(addrs(pod2, 'eth0')).toEqual(['10.77.0.3/24']);
    const routes = ipJson<{ dst: string; gateway?: string; dev: string }[]>(pod1, ['route', 'show']);
    expect(routes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.77.0.1', dev: 'eth0' }));
    expect(ipJson<IpLink[]>(pod1, ['link', 'show', 'eth0'])[0]?.mtu).toBe(1400);
    expect(ipJson<IpLink[]>(env.node, ['link', 'show', r1.interfaces[1].name])[0]?.mtu).toBe(1400);
    expect(ipJson<IpLink[]>(env.node, ['link', 'show', 'br0'])[0]?.mtu).toBe(1400);
    expect(env.node.exec(['sysctl', '-n', 'net.ipv4.ip_forward']).trim()).toBe('1');
  });

  it('pods reach each other and the gateway; the node reaches the pods', () => {
    expect(ping(pod1, '10.77.0.3')).toBe(0);
    expect(ping(pod2, '10.77.0.2')).toBe(0);
    expect(ping(pod1, '10.77.0.1')).toBe(0);
    expect(ping(env.node, '10.77.0.2')).toBe(0);
    expect(ping(env.node, '10.77.0.3')).toBe(0);
  });

  it('adds the masquerade rules of the Go plugin (iptables by default)', () => {
    const chain = env.natLines('-A POSTROUTING -s 10.77.0.2/32');
    expect(chain).toHaveLength(1);
    expect(chain[0]).toMatch(/-m comment --comment "name: \\"net\\" id: \\"c1\\"" -j CNI-[0-9a-f]{24}$/);
    const name = chain[0]?.split(' -j ')[1] ?? 'x';
    expect(env.natLines(`-A ${name} `)).toEqual([
      `-A ${name} -d 10.77.0.0/24 -m comment --comment "name: \\"net\\" id: \\"c1\\"" -j ACCEPT`,
      `-A ${name} ! -d 224.0.0.0/4 -m comment --comment "name: \\"net\\" id: \\"c1\\"" -j MASQUERADE`,
    ]);
  });

  it('CHECK passes after ADD', async () => {
    const c = await env.run({ command: 'CHECK', config: { ...conf(), prevResult: r2 }, ...attach(pod2, 'c2') });
    expect(c.code, c.stdout).toBe(0);
  });

  it('DEL removes the veth, the rules and the reservation but never the bridge; a second DEL succeeds', async () => {
    const hostVeth = r2.interfaces[1].name;
    const d = await env.run({ command: 'DEL', config: conf(), ...attach(pod2, 'c2') });
    expect(d.code, d.stdout).toBe(0);
    expect(env.hostVeths()).not.toContain(hostVeth);
    expect(ipJson<IpLink[]>(pod2, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
    expect(env.natLines('id: \\"c2\\"')).toEqual([]);
    expect(env.ipamFiles()).toEqual(['net/10.77.0.2']);
    expect(env.natLines('id: \\"c1\\"')).toHaveLength(3); // the other pod's rules stay
    expect(ipJson<IpLink[]>(env.node, ['link', 'show', 'br0'])).toHaveLength(1);
    const again = await env.run({ command: 'DEL', config: conf(), ...attach(pod2, 'c2') });
    expect(again.code, again.stdout).toBe(0);
  });
});

describe.skipIf(!isRoot())('bridge: concurrent ADDs on a node without the bridge', () => {
  let env: BridgeEnv;
  beforeAll(() => {
    env = createBridgeEnv('brconc');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  it('all succeed with distinct addresses; one bridge, one gateway, every pod reachable', async () => {
    const conf = env.conf({ isGateway: true, ipMasq: true }, { subnet: '10.90.0.0/24' });
    const pods = Array.from({ length: 6 }, (_, i) => env.pod(`c${i}`));
    const results = await Promise.all(pods.map((p, i) => env.run({ command: 'ADD', config: conf, ...attach(p, `conc-${i}`) })));
    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);
    const ips = results.map((r) => (r.json.ips[0].address as string).split('/')[0] as string);
    expect(new Set(ips).size).toBe(pods.length);
    expect(addrs(env.node, 'br0')).toEqual(['10.90.0.1/24']);
    for (const ip of ips) expect(ping(env.node, ip)).toBe(0);
    const dels = await Promise.all(pods.map((p, i) => env.run({ command: 'DEL', config: conf, ...attach(p, `conc-${i}`) })));
    for (const d of dels) expect(d.code, d.stdout).toBe(0);
    expect(env.hostVeths()).toEqual([]);
    expect(env.natLines('id: ')).toEqual([]);
    expect(env.ipamFiles()).toEqual([]);
  });
});
