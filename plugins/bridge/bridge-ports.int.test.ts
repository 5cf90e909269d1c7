import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNamespace, ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type BridgeEnv, attach, createBridgeEnv, nftRules } from './test-env.ts';

// Per-port and per-bridge options, each asserted on the kernel state with `ip -j`,
// `bridge -j` and `nft -j`. Each test uses its own bridge and network name.

interface BridgeLink { ifname: string; master?: string; hairpin?: boolean; isolated?: boolean }
interface IpLink { ifname: string; address: string; operstate: string; flags: string[]; promiscuity?: number }

describe.skipIf(!isRoot())('bridge: port and bridge options', () => {
  let env: BridgeEnv;
  beforeAll(() => {
    env = createBridgeEnv('brport');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  const portOf = (hostVeth: string) => (JSON.parse(env.node.exec(['bridge', '-j', '-d', 'link', 'show', 'dev', hostVeth])) as BridgeLink[])[0];
  const link = (ns: TestNamespace, dev: string) => ipJson<IpLink[]>(ns, ['-d', 'link', 'show', dev])[0];

  let subnets = 0;
  /** ADD of one pod on its own bridge and subnet (two bridges with one subnet would fight over routes). */
  async function addPod(name: string, extra: Record<string, unknown>, ipam: Record<string, unknown> | null = {}, args = 'IgnoreUnknown=1') {
    const pod = env.pod(name);
    if (ipam && !ipam.ranges) ipam = { subnet: `10.78.${++subnets}.0/24`, ...ipam };
    const config = env.conf({ name, bridge: `br-${name}`, ...extra }, ipam);
    const r = await env.run({ command: 'ADD', config, ...attach(pod, `c-${name}`), args });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return { pod, config, result: r.json, hostVeth: r.json.interfaces[1].name as string };
  }

  it('hairpinMode sets the hairpin flag on the host port only', async () => {
    const { hostVeth } = await addPod('hp', { hairpinMode: true });
    expect(portOf(hostVeth)).toMatchObject({ master: 'br-hp', hairpin: true, isolated: false });
    const plain = await addPod('nohp', {});
    expect(portOf(plain.hostVeth)).toMatchObject({ master: 'br-nohp', hairpin: false });
  });

  it('promiscMode puts the bridge in promiscuous mode; with hairpinMode it is refused (code 7)', async () => {
    await addPod('pr', { promiscMode: true });
    expect(link(env.node, 'br-pr')?.flags).toContain('PROMISC');
    const pod = env.pod('prhp');
    const r = await env.run({ command: 'ADD', config: env.conf({ name: 'prhp', bridge: 'br-prhp', promiscMode: true, hairpinMode: true }), ...attach(pod, 'c-prhp') });
    expect(r.json).toMatchObject({ code: 7 });
    expect(r.json.msg + r.json.details).toMatch(/hairpin/);
    expect(ipJson<{ ifname: string }[]>(env.node, ['link', 'show', 'type', 'bridge']).map((l) => l.ifname)).not.toContain('br-prhp');
  });

  it('portIsolation marks the host port isolated: isolated pods cannot reach each other, but reach the gateway', async () => {
    const a = await addPod('iso', { portIsolation: true, isGateway: true });
    const pod2 = env.pod('iso2');
    const r2 = await env.run({ command: 'ADD', config: a.config, ...attach(pod2, 'c-iso2') });
    expect(r2.code, r2.stdout).toBe(0);
    expect(portOf(a.hostVeth)).toMatchObject({ isolated: true });
    const ip2 = (r2.json.ips[0].address as string).split('/')[0] as string;
    expect(a.pod.tryExec(['ping', '-c', '1', '-W', '1', ip2]).code).not.toBe(0);
    expect(a.pod.tryExec(['ping', '-c', '1', '-W', '2', a.result.ips[0].gateway]).code).toBe(0);
  });

  it('mtu applies to the new bridge and both veth ends', async () => {
    const { pod, hostVeth } = await addPod('mtu', { mtu: 1280 });
    expect(ipJson<{ mtu: number }[]>(env.node, ['link', 'show', 'br-mtu'])[0]?.mtu).toBe(1280);
    expect(ipJson<{ mtu: number }[]>(env.node, ['link', 'show', hostVeth])[0]?.mtu).toBe(1280);
    expect(ipJson<{ mtu: number }[]>(pod, ['link', 'show', 'eth0'])[0]?.mtu).toBe(1280);
  });

  it('the mac capability wins over args.cni.mac, which wins over CNI_ARGS MAC=', async () => {
    const fromArgs = await addPod('mac1', {}, {}, 'IgnoreUnknown=1;MAC=0a:00:00:00:00:01');
    expect(link(fromArgs.pod, 'eth0')?.address).toBe('0a:00:00:00:00:01');
    const fromCni = await addPod('mac2', { args: { cni: { mac: '0a:00:00:00:00:02' } } }, {}, 'IgnoreUnknown=1;MAC=0a:00:00:00:00:01');
    expect(link(fromCni.pod, 'eth0')?.address).toBe('0a:00:00:00:00:02');
    const fromRuntime = await addPod('mac3', { args: { cni: { mac: '0a:00:00:00:00:02' } }, runtimeConfig: { mac: '0A:00:00:00:00:03' } }, {}, 'IgnoreUnknown=1;MAC=0a:00:00:00:00:01');
    expect(link(fromRuntime.pod, 'eth0')?.address).toBe('0a:00:00:00:00:03');
    expect(fromRuntime.result.interfaces[2].mac).toBe('0a:00:00:00:00:03');
    const bad = env.pod('mac4');
    const r = await env.run({ command: 'ADD', config: env.conf({ name: 'mac4', bridge: 'br-mac4', runtimeConfig: { mac: 'nope' } }), ...attach(bad, 'c-mac4') });
    expect(r.json).toMatchObject({ code: 7 });
    expect(r.json.msg).toContain('runtimeConfig.mac');
  });

  it('macspoofchk drops frames from any other source MAC (nft bridge table as the reference)', async () => {
    const a = await addPod('spoof', { macspoofchk: true, isGateway: true });
    const mac = a.result.interfaces[2].mac as string;
    const rules = nftRules(env.nft(), 'nat').filter((r) => r.comment === `macspoofchk-c-spoof-eth0`);
    expect(rules.map((r) => r.chain).sort()).toEqual(['PREROUTING', 'cni-br-iface-c-spoof-eth0', 'cni-br-iface-c-spoof-eth0-mac', 'cni-br-iface-c-spoof-eth0-mac']);
    expect(JSON.stringify(rules)).toContain(mac);
    expect(JSON.stringify(rules)).toContain(a.hostVeth);
    const gw = a.result.ips[0].gateway as string;
    expect(a.pod.tryExec(['ping', '-c', '1', '-W', '2', gw]).code).toBe(0);
    // spoof: change the pod's MAC; the gateway must stop answering
    a.pod.exec(['ip', 'link', 'set', 'eth0', 'address', '0a:00:00:00:00:99']);
    a.pod.exec(['ip', 'neigh', 'flush', 'all']);
    expect(a.pod.tryExec(['ping', '-c', '1', '-W', '1', gw]).code).not.toBe(0);
    const d = await env.run({ command: 'DEL', config: a.config, ...attach(a.pod, 'c-spoof') });
    expect(d.code, d.stdout).toBe(0);
    expect(nftRules(env.nft(), 'nat').filter((r) => r.comment?.startsWith('macspoofchk-c-spoof'))).toEqual([]);
    expect(env.nft().nftables.filter((x) => x.chain?.name?.startsWith('cni-br-iface-c-spoof-eth0'))).toEqual([]);
  });

  it('L2 mode (no IPAM): the pod interface is up without addresses; CHECK passes without an IPAM CHECK', async () => {
    const a = await addPod('l2', {}, null);
    expect(a.result.ips).toBeUndefined();
    expect(link(a.pod, 'eth0')?.operstate).toBe('UP');
    const v4 = ipJson<{ addr_info: { family: string }[] }[]>(a.pod, ['-4', 'addr', 'show', 'dev', 'eth0'])[0]?.addr_info ?? [];
    expect(v4).toEqual([]);
    const c = await env.run({ command: 'CHECK', config: { ...a.config, prevResult: a.result }, ...attach(a.pod, 'c-l2') });
    expect(c.code, c.stdout).toBe(0);
    const d = await env.run({ command: 'DEL', config: a.config, ...attach(a.pod, 'c-l2') });
    expect(d.code, d.stdout).toBe(0);
    expect(env.hostVeths()).not.toContain(a.hostVeth);
  });

  it('disableContainerInterface leaves the pod end down; with an IPAM type it is refused (code 7)', async () => {
    const a = await addPod('dis', { disableContainerInterface: true }, null);
    expect(link(a.pod, 'eth0')?.flags).not.toContain('UP');
    const pod = env.pod('dis2');
    const r = await env.run({ command: 'ADD', config: env.conf({ name: 'dis2', bridge: 'br-dis2', disableContainerInterface: true }), ...attach(pod, 'c-dis2') });
    expect(r.json).toMatchObject({ code: 7 });
  });

  it('IPv6 DAD is off by default (no tentative address) and on with enabledad', async () => {
    const v6 = { subnet: undefined, ranges: [[{ subnet: 'fd77::/64' }]] };
    const a = await addPod('dad', { isGateway: true }, v6);
    expect(a.pod.exec(['sysctl', '-n', 'net.ipv6.conf.eth0.accept_dad']).trim()).toBe('0');
    const flags = ipJson<{ addr_info: { local: string; tentative?: boolean }[] }[]>(a.pod, ['-6', 'addr', 'show', 'dev', 'eth0'])[0]?.addr_info ?? [];
    expect(flags.find((x) => x.local.startsWith('fd77'))?.tentative).toBeFalsy();
    const b = await addPod('dad2', { isGateway: true, enabledad: true }, v6);
    expect(b.pod.exec(['sysctl', '-n', 'net.ipv6.conf.eth0.accept_dad']).trim()).toBe('1');
    expect(b.pod.exec(['sysctl', '-n', 'net.ipv6.conf.eth0.enhanced_dad']).trim()).toBe('1');
  });

  it('the dns override replaces what IPAM returned', async () => {
    const a = await addPod('dns', { dns: { nameservers: ['10.77.0.53'], search: ['svc.local'] } });
    expect(a.result.dns).toEqual({ nameservers: ['10.77.0.53'], search: ['svc.local'] });
  });
});
