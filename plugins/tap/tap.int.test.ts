import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_VERSIONS } from '../../lib/cni/index.ts';
import { DIST_BIN, type PluginCall, type TestNamespace, createNamespace, ipJson, isRoot, removeAllNamespaces, runPluginBinary } from '../../lib/testing/index.ts';

// tap end to end against the kernel: persistent taps made by our ioctls inside throwaway pod
// namespaces, as the kernel shows them (sysfs owner, group and tun_flags, `ip -d link`),
// every spec version, a bridge in the pod, bad input and failed ADDs leaving nothing, CHECK
// noticing changes, DEL when the namespace is gone, GC and STATUS through IPAM.

const TAP = join(DIST_BIN, 'tap');
// tun_flags bits (if_tun.h): what sysfs shows of a persistent tap
const IFF_TAP = 0x0002;
const IFF_MULTI_QUEUE = 0x0100;
const IFF_PERSIST = 0x0800;
const IFF_NO_PI = 0x1000;
const IFF_VNET_HDR = 0x4000;

interface LinkJson {
  ifname: string;
  mtu: number;
  address: string;
  master?: string;
  flags: string[];
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
}

describe.skipIf(!isRoot())('tap: persistent TAP devices in the pod', () => {
  let node: TestNamespace;
  let dataDir: string;
  beforeAll(() => {
    node = createNamespace('tap-node');
    dataDir = mkdtempSync(join(tmpdir(), 'cnits-tap-data-'));
  });
  afterAll(() => {
    removeAllNamespaces();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  // a dataDir per subnet, so what one test leaves behind cannot blur another's count
  const ipamDir = (subnet: string) => join(dataDir, subnet.replace('/', '_'));
  const ipam = (subnet: string) => ({ type: 'host-local', dataDir: ipamDir(subnet), ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }] });
  const conf = (extra: Record<string, unknown>, cniVersion = '1.1.0') => ({ cniVersion, name: 'tapnet', type: 'tap', ...extra });
  const run = (call: Omit<PluginCall, 'node'>) => runPluginBinary(TAP, { path: DIST_BIN, ...call, node });
  const attach = (pod: TestNamespace, containerId: string, ifname = 'tap0') => ({ containerId, netns: pod.path, ifname });
  const sysfs = (pod: TestNamespace, ifname: string, file: string) => pod.exec(['cat', `/sys/class/net/${ifname}/${file}`]).trim();
  const link = (pod: TestNamespace, ifname: string) => ipJson<LinkJson[]>(pod, ['-d', 'link', 'show', ifname])[0];
  const links = (pod: TestNamespace) => ipJson<LinkJson[]>(pod, ['link', 'show']).map((l) => l.ifname);
  const reservations = (subnet: string) => {
    if (!existsSync(ipamDir(subnet))) return [];
    return readdirSync(ipamDir(subnet), { recursive: true }).map(String).filter((f) => /\d+\.\d+\.\d+\.\d+$/.test(f));
  };

  it.each(SUPPORTED_VERSIONS)('%s: multi-queue tap with owner, group, MTU, MAC and a bridge in the pod; addresses from IPAM; CHECK; DEL leaves nothing', async (version) => {
    const pod = createNamespace('tap-pod');
    pod.exec(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    const config = conf({ multiQueue: true, owner: 1000, group: 100, mtu: 1400, mac: '02:11:22:33:44:55', bridge: 'br0', ipam: ipam('10.93.0.0/24'), dns: { nameservers: ['10.93.0.53'] } }, version);
    const cid = `full-${version}`;
    const add = await run({ command: 'ADD', config, ...attach(pod, cid) });
    expect(add.code, add.stdout + add.stderr).toBe(0);
    expect(add.json.cniVersion).toBe(version);
    // host-local goes round the range: each version gets the next address
    let address: string;
    if (version.startsWith('0.1') || version.startsWith('0.2')) {
      address = add.json.ip4.ip;
    } else {
      expect(add.json.interfaces).toEqual([{ name: 'tap0', mac: '02:11:22:33:44:55', sandbox: pod.path }]);
      expect(add.json.ips).toEqual([expect.objectContaining({ gateway: '10.93.0.1', interface: 0 })]);
      address = add.json.ips[0].address;
      expect(add.json.dns).toEqual({ nameservers: ['10.93.0.53'] });
    }

    expect(sysfs(pod, 'tap0', 'owner')).toBe('1000');
    expect(sysfs(pod, 'tap0', 'group')).toBe('100');
    expect(Number(sysfs(pod, 'tap0', 'tun_flags'))).toBe(IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | IFF_VNET_HDR | IFF_PERSIST);
    const l = link(pod, 'tap0');
    expect(l?.linkinfo?.info_kind).toBe('tun');
    expect(l).toMatchObject({ mtu: 1400, address: '02:11:22:33:44:55', master: 'br0' });
    expect(l?.flags).toContain('UP');
    expect(address).toMatch(/^10\.93\.0\.\d+\/24$/);
    expect(ipJson<{ addr_info: { local: string; prefixlen: number }[] }[]>(pod, ['addr', 'show', 'tap0'])[0]?.addr_info).toContainEqual(expect.objectContaining({ local: address.split('/')[0], prefixlen: 24 }));
    expect(ipJson<{ dst: string; gateway?: string }[]>(pod, ['-4', 'route', 'show'])).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.93.0.1' }));
    expect(links(node).filter((n) => n !== 'lo')).toEqual([]); // nothing on the node

    if (!version.startsWith('0.1') && !version.startsWith('0.2') && !version.startsWith('0.3')) {
      const c = await run({ command: 'CHECK', config: { ...config, prevResult: add.json }, ...attach(pod, cid) });
      expect(c.code, c.stdout).toBe(0);
    }
    const d = await run({ command: 'DEL', config, ...attach(pod, cid) });
    expect(d.code, d.stdout).toBe(0);
    expect(links(pod).sort()).toEqual(['br0', 'lo']);
    expect(reservations('10.93.0.0/24')).toEqual([]);
    const again = await run({ command: 'DEL', config, ...attach(pod, cid) });
    expect(again.code, again.stdout).toBe(0);
    pod.remove();
  });

  it('L2 only (no ipam): up, no owner or group, neither multi-queue nor vnet header; the MAC from CNI_ARGS, then runtimeConfig.mac', async () => {
    const pod = createNamespace('tap-l2');
    const a = await run({ command: 'ADD', config: conf({ mac: '02:00:00:00:00:01' }), args: 'IgnoreUnknown=1;MAC=02:00:00:00:00:02', ...attach(pod, 'l2a') });
    expect(a.code, a.stdout).toBe(0);
    expect(a.json).toEqual({ cniVersion: '1.1.0', interfaces: [{ name: 'tap0', mac: '02:00:00:00:00:02', sandbox: pod.path }] });
    expect(sysfs(pod, 'tap0', 'owner')).toBe('-1');
    expect(sysfs(pod, 'tap0', 'group')).toBe('-1');
    expect(Number(sysfs(pod, 'tap0', 'tun_flags'))).toBe(IFF_TAP | IFF_NO_PI | IFF_PERSIST);
    expect(link(pod, 'tap0')?.flags).toContain('UP');
    const b = await run({ command: 'ADD', config: conf({ mac: '02:00:00:00:00:01', runtimeConfig: { mac: '02:00:00:00:00:03' } }), args: 'MAC=02:00:00:00:00:02', ...attach(pod, 'l2b', 'tap1') });
    expect(b.code, b.stdout).toBe(0);
    expect(link(pod, 'tap1')?.address).toBe('02:00:00:00:00:03');
    // owner alone: the group stays unset, and no vnet header (the reference's `ip tuntap` path)
    const c = await run({ command: 'ADD', config: conf({ owner: 0 }), ...attach(pod, 'l2c', 'tap2') });
    expect(c.code, c.stdout).toBe(0);
    expect([sysfs(pod, 'tap2', 'owner'), sysfs(pod, 'tap2', 'group')]).toEqual(['0', '-1']);
    expect(Number(sysfs(pod, 'tap2', 'tun_flags')) & IFF_VNET_HDR).toBe(0);
    for (const [cid, ifname] of [['l2a', 'tap0'], ['l2b', 'tap1'], ['l2c', 'tap2']] as const) {
      expect((await run({ command: 'DEL', config: conf({}), ...attach(pod, cid, ifname) })).code).toBe(0);
    }
    expect(links(pod)).toEqual(['lo']);
    pod.remove();
  });

  it('selinuxContext is accepted, not applied, and said so on stderr', async () => {
    const pod = createNamespace('tap-se');
    const a = await run({ command: 'ADD', config: conf({ selinuxContext: 'system_u:system_r:container_t:s0' }), ...attach(pod, 'se') });
    expect(a.code, a.stdout).toBe(0);
    expect(a.stderr).toMatch(/selinuxContext "system_u:system_r:container_t:s0" is not applied/);
    pod.remove();
  });

  it.each([
    [{ owner: -1 }, 'invalid owner -1'],
    [{ owner: 'root' }, 'invalid owner "root"'],
    [{ group: 1.5 }, 'invalid group 1.5'],
    [{ mac: '01:00:5e:00:00:01' }, 'invalid mac "01:00:5e:00:00:01"'],
    [{ bridge: 'nosuchbr' }, 'invalid bridge "nosuchbr"'],
    [{ bridge: 'lo' }, 'invalid bridge "lo"'],
    [{ multiQueue: 1 }, 'invalid multiQueue 1'],
  ])('bad input %j: code 7 (%s) before anything changes', async (extra, msg) => {
    const pod = createNamespace('tap-bad');
    const a = await run({ command: 'ADD', config: conf({ ...extra, ipam: ipam('10.94.0.0/24') }), ...attach(pod, 'bad') });
    expect(a.code).toBe(1);
    expect(a.json).toMatchObject({ code: 7, msg });
    expect(links(pod)).toEqual(['lo']);
    expect(reservations('10.94.0.0/24')).toEqual([]);
    pod.remove();
  });

  it('a failed ADD leaves nothing: an MTU the tap refuses, IPAM giving no address, a CNI_IFNAME taken', async () => {
    const pod = createNamespace('tap-fail');
    const big = await run({ command: 'ADD', config: conf({ mtu: 65535, ipam: ipam('10.95.0.0/24') }), ...attach(pod, 'f1') });
    expect(big.code).toBe(1);
    expect(big.json.msg).toMatch(/cannot set up tap tap0/);
    expect(links(pod)).toEqual(['lo']);
    const none = await run({ command: 'ADD', config: conf({ ipam: { type: 'static', addresses: [] } }), ...attach(pod, 'f2') });
    expect(none.code).toBe(1);
    expect(none.json.msg).toMatch(/static/); // our static refuses an empty list itself; either way after the tap was made
    expect(links(pod)).toEqual(['lo']);
    pod.exec(['ip', 'link', 'add', 'tap0', 'type', 'bridge']);
    const taken = await run({ command: 'ADD', config: conf({ ipam: ipam('10.95.0.0/24') }), ...attach(pod, 'f3') });
    expect(taken.code).toBe(1);
    expect(links(pod).sort()).toEqual(['lo', 'tap0']);
    expect(link(pod, 'tap0')?.linkinfo?.info_kind).toBe('bridge');
    expect(reservations('10.95.0.0/24')).toEqual([]);
    // the runtime's DEL after that ADD must not delete the interface that was there before
    const d = await run({ command: 'DEL', config: conf({ ipam: ipam('10.95.0.0/24') }), ...attach(pod, 'f3') });
    expect(d.code, d.stdout).toBe(0);
    expect(d.stderr).toMatch(/DEL leaves tap0: it is a bridge, not a tap/);
    expect(links(pod).sort()).toEqual(['lo', 'tap0']);
    pod.remove();
  });

  it('CHECK notices a tap taken off its bridge, one set down, and one replaced by another kind', async () => {
    const pod = createNamespace('tap-check');
    pod.exec(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    const config = conf({ bridge: 'br0', owner: 1000, group: 1000 });
    const a = await run({ command: 'ADD', config, ...attach(pod, 'chk') });
    expect(a.code, a.stdout).toBe(0);
    const check = () => run({ command: 'CHECK', config: { ...config, prevResult: a.json }, ...attach(pod, 'chk') });
    expect((await check()).code).toBe(0);
    pod.exec(['ip', 'link', 'set', 'tap0', 'nomaster']);
    expect((await check()).json?.msg).toBe('tap tap0 is not a port of bridge br0');
    pod.exec(['ip', 'link', 'set', 'tap0', 'master', 'br0']);
    pod.exec(['ip', 'link', 'set', 'tap0', 'down']);
    expect((await check()).json?.msg).toBe('tap tap0 is down');
    pod.exec(['ip', 'link', 'del', 'tap0']);
    pod.exec(['ip', 'link', 'add', 'tap0', 'type', 'veth', 'peer', 'name', 'x0']);
    expect((await check()).json?.msg).toBe('interface tap0 is a veth, not a tap');
    pod.remove();
  });

  it('DEL after the pod namespace is gone, and with CNI_NETNS empty, succeeds and releases the address', async () => {
    const pod = createNamespace('tap-gone');
    const config = conf({ ipam: ipam('10.96.0.0/24') });
    const a = await run({ command: 'ADD', config, ...attach(pod, 'gone') });
    expect(a.code, a.stdout).toBe(0);
    expect(reservations('10.96.0.0/24')).toHaveLength(1);
    pod.remove();
    const d = await run({ command: 'DEL', config, ...attach(pod, 'gone') });
    expect(d.code, d.stdout).toBe(0);
    expect(reservations('10.96.0.0/24')).toEqual([]);
    const e = await run({ command: 'DEL', config, containerId: 'gone', netns: '', ifname: 'tap0' });
    expect(e.code, e.stdout).toBe(0);
  });

  it('STATUS and GC go to IPAM (GC releases what is no longer valid); without IPAM both succeed', async () => {
    const pod = createNamespace('tap-gc');
    const config = conf({ ipam: ipam('10.97.0.0/24') });
    expect((await run({ command: 'ADD', config, ...attach(pod, 'keep') })).code).toBe(0);
    expect((await run({ command: 'ADD', config, ...attach(pod, 'stale', 'tap1') })).code).toBe(0);
    expect(reservations('10.97.0.0/24')).toHaveLength(2);
    expect((await run({ command: 'STATUS', config })).code).toBe(0);
    const gc = await run({ command: 'GC', config: { ...config, 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'tap0' }] } });
    expect(gc.code, gc.stdout).toBe(0);
    expect(reservations('10.97.0.0/24')).toHaveLength(1);
    expect((await run({ command: 'STATUS', config: conf({}) })).code).toBe(0);
    expect((await run({ command: 'GC', config: conf({}) })).code).toBe(0);
    expect((await run({ command: 'DEL', config, ...attach(pod, 'keep') })).code).toBe(0);
    expect(reservations('10.97.0.0/24')).toEqual([]);
    pod.remove();
  });
});
