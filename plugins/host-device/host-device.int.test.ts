import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type HostDeviceEnv, attach, createHostDeviceEnv } from './test-env.ts';

// host-device against the kernel: a veth end or a macvlan of a throwaway node namespace handed
// to a pod and back, with and without IPAM; the pod's namespace deleted before DEL; a failed
// ADD returning the device; the refusals (missing, bridge port, only uplink, lo, ambiguous).

describe.skipIf(!isRoot())('host-device: a node device handed to a pod and back', () => {
  let env: HostDeviceEnv;
  beforeAll(() => {
    env = createHostDeviceEnv('hd');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  it('ADD moves the device as CNI_IFNAME with IPAM\'s address; pod and node talk over it; CHECK; DEL returns it named as before', async () => {
    env.vethDevice('hdv0', '10.71.0.1/24');
    const mac = env.link(env.node, 'hdv0')?.address;
    const config = env.confWithIpam('ipam', '10.71.0.0/24', { device: 'hdv0' });
    const pod = env.pod('a');
    const r = await env.run({ command: 'ADD', config, ...attach(pod, 'ipam-1') });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.interfaces).toEqual([{ name: 'net1', mac, sandbox: pod.path }]);
    expect(r.json.ips).toEqual([{ address: '10.71.0.2/24', gateway: '10.71.0.1', interface: 0 }]);
    expect(env.link(env.node, 'hdv0')).toBeUndefined();
    const inPod = env.link(pod, 'net1');
    expect(inPod).toMatchObject({ ifalias: 'hdv0', address: mac });
    expect(inPod?.flags).toContain('UP');
    expect(ipJson<{ dst: string; gateway?: string }[]>(pod, ['-4', 'route', 'show'])).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.71.0.1' }));
    expect(pod.tryExec(['ping', '-c', '1', '-w', '4', '10.71.0.1']).code).toBe(0);

    const withPrev = { ...config, prevResult: r.json };
    const c = await env.run({ command: 'CHECK', config: withPrev, ...attach(pod, 'ipam-1') });
    expect(c.code, c.stdout).toBe(0);
    pod.exec(['ip', 'addr', 'del', '10.71.0.2/24', 'dev', 'net1']);
    const c2 = await env.run({ command: 'CHECK', config: withPrev, ...attach(pod, 'ipam-1') });
    expect(c2.json).toMatchObject({ code: 999, msg: 'address 10.71.0.2/24 is missing on net1' });

    const d = await env.run({ command: 'DEL', config, ...attach(pod, 'ipam-1') });
    expect(d.code, d.stdout).toBe(0);
    expect(env.names(pod)).toEqual(['lo']);
    const back = env.link(env.node, 'hdv0');
    expect(back).toMatchObject({ address: mac });
    expect(back?.ifalias).toBeUndefined(); // cleared (Debian's 1.1.1 leaves it)
    expect(ipJson<{ addr_info: unknown[] }[]>(env.node, ['addr', 'show', 'dev', 'hdv0'])[0]?.addr_info.filter((a) => (a as { family: string }).family === 'inet')).toEqual([]);
    expect(env.ipamFiles()).toEqual([]);
    const again = await env.run({ command: 'DEL', config, ...attach(pod, 'ipam-1') });
    expect(again.code, again.stdout).toBe(0);
    expect(env.link(env.node, 'hdv0')).toBeDefined();
  });

  it('a macvlan named by hwaddr, no IPAM: the result is the interface alone; CHECK notices a lost alias', async () => {
    env.vethDevice('hdlow');
    env.node.exec(['ip', 'link', 'add', 'hdmv0', 'link', 'hdlowp', 'type', 'macvlan', 'mode', 'bridge']);
    const mac = env.link(env.node, 'hdmv0')?.address as string;
    const config = env.conf('mac', { hwaddr: mac.toUpperCase() });
    const pod = env.pod('m');
    const r = await env.run({ command: 'ADD', config, ...attach(pod, 'mac-1', 'eth0') });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac, sandbox: pod.path }] });
    expect(env.link(pod, 'eth0')).toMatchObject({ ifalias: 'hdmv0' });
    const withPrev = { ...config, prevResult: r.json };
    expect((await env.run({ command: 'CHECK', config: withPrev, ...attach(pod, 'mac-1', 'eth0') })).code).toBe(0);
    pod.exec(['ip', 'link', 'set', 'eth0', 'alias', '']);
    const c = await env.run({ command: 'CHECK', config: withPrev, ...attach(pod, 'mac-1', 'eth0') });
    expect(c.json.msg).toMatch(/^interface eth0 has no alias/);
    // without the alias and without a "device" key, DEL cannot know the name: it fails and keeps the device in the pod
    const d1 = await env.run({ command: 'DEL', config, ...attach(pod, 'mac-1', 'eth0') });
    expect(d1.json.msg).toMatch(/its original name is unknown/);
    expect(env.names(pod)).toContain('eth0');
    // the configuration's device name is the fallback
    const d2 = await env.run({ command: 'DEL', config: env.conf('mac', { device: 'hdmv0' }), ...attach(pod, 'mac-1', 'eth0') });
    expect(d2.code, d2.stdout).toBe(0);
    expect(env.link(env.node, 'hdmv0')).toMatchObject({ address: mac });
  });

  it('DEL after the pod namespace was deleted succeeds: the veth went with the namespace (both ends), the address is released', async () => {
    env.vethDevice('hdgone', '10.72.0.1/24');
    const config = env.confWithIpam('gone', '10.72.0.0/24', { device: 'hdgone' });
    const pod = env.pod('g');
    const r = await env.run({ command: 'ADD', config, ...attach(pod, 'gone-1') });
    expect(r.code, r.stdout).toBe(0);
    expect(env.ipamFiles()).toEqual(['gone/10.72.0.2']);
    pod.remove();
    // what the kernel does: a virtual device dies with its namespace, and a veth takes its peer along
    for (let i = 0; i < 50 && env.link(env.node, 'hdgonep'); i++) await new Promise((res) => setTimeout(res, 20));
    expect(env.link(env.node, 'hdgone')).toBeUndefined();
    expect(env.link(env.node, 'hdgonep')).toBeUndefined();
    const d = await env.run({ command: 'DEL', config, ...attach(pod, 'gone-1') });
    expect(d.code, d.stdout).toBe(0);
    expect(d.stderr).toMatch(/is gone: net1 went with it/);
    expect(env.ipamFiles()).toEqual([]);
    const empty = await env.run({ command: 'DEL', config, containerId: 'gone-1', netns: '', ifname: 'net1' });
    expect(empty.code, empty.stdout).toBe(0);
  });

  it('a failed ADD (IPAM\'s route cannot be added after the move) returns the device with its name, up, and releases the address', async () => {
    env.vethDevice('hdfail', '10.73.0.1/24');
    const config = env.confWithIpam('fail', '10.73.0.0/24', { device: 'hdfail' });
    (config.ipam as Record<string, unknown>).routes = [{ dst: '192.0.2.0/24', gw: '198.51.100.1' }]; // unreachable gateway
    const pod = env.pod('f');
    const r = await env.run({ command: 'ADD', config, ...attach(pod, 'fail-1') });
    expect(r.code).toBe(1);
    expect(r.json.msg).toMatch(/^failed to add route 192\.0\.2\.0\/24 via 198\.51\.100\.1/);
    expect(env.names(pod)).toEqual(['lo']);
    const back = env.link(env.node, 'hdfail');
    expect(back?.flags).toContain('UP');
    expect(back?.ifalias).toBeUndefined();
    expect(env.ipamFiles()).toEqual([]);
  });

  it('DEL whose original name is taken on the node by now fails and leaves the device in the pod, working', async () => {
    env.vethDevice('hdtaken');
    const config = env.conf('taken', { device: 'hdtaken' });
    const pod = env.pod('t');
    expect((await env.run({ command: 'ADD', config, ...attach(pod, 'taken-1') })).code).toBe(0);
    env.node.exec(['ip', 'link', 'add', 'hdtaken', 'type', 'veth', 'peer', 'name', 'hdtakenq']);
    const d = await env.run({ command: 'DEL', config, ...attach(pod, 'taken-1') });
    expect(d.code).toBe(1);
    expect(d.json.msg).toMatch(/cannot return net1 to the node as hdtaken: the node has a device of that name/);
    expect(env.link(pod, 'net1')).toMatchObject({ ifalias: 'hdtaken' });
    expect(env.link(pod, 'net1')?.flags).toContain('UP');
    env.node.exec(['ip', 'link', 'del', 'hdtaken']);
    expect((await env.run({ command: 'DEL', config, ...attach(pod, 'taken-1') })).code).toBe(0);
    expect(env.link(env.node, 'hdtaken')).toBeDefined();
  });

  it('refuses with code 7, naming the key, and moves nothing: a missing device, a bridge port, the only uplink, lo, an ambiguous MAC, a second ADD', async () => {
    env.vethDevice('hdport');
    env.node.exec(['ip', 'link', 'add', 'hdbr0', 'type', 'bridge']);
    env.node.exec(['ip', 'link', 'set', 'hdport', 'master', 'hdbr0']);
    env.vethDevice('hdup');
    env.node.exec(['ip', 'route', 'add', 'default', 'dev', 'hdup']);
    const portMac = env.link(env.node, 'hdport')?.address as string;
    env.node.exec(['ip', 'link', 'set', 'hdbr0', 'address', portMac]);
    const pod = env.pod('bad');
    const before = env.names(env.node);
    for (const [keys, msg] of [
      [{ device: 'nosuchdev' }, 'invalid device "nosuchdev": no such device in the node\'s network namespace'],
      [{ device: 'hdport' }, 'invalid device "hdport": hdport is a port of bridge hdbr0'],
      [{ device: 'hdbr0' }, 'invalid device "hdbr0": hdbr0 is a bridge with ports hdport'],
      [{ device: 'hdup' }, 'invalid device "hdup": hdup is the node\'s only uplink (it carries the node\'s default route)'],
      [{ device: 'lo' }, 'invalid device "lo": lo is the loopback device'],
      [{ hwaddr: portMac }, `invalid hwaddr "${portMac}": it is the MAC address of several devices (hdport, hdbr0)`],
      [{ kernelpath: '/sys/devices/virtual' }, /^invalid kernelpath "\/sys\/devices\/virtual": several network devices under/],
      [{ pciBusID: 'ffff:ff:1f.7' }, 'invalid pciBusID "ffff:ff:1f.7"'],
      [{}, 'missing device, hwaddr, kernelpath or pciBusID'],
    ] as const) {
      const r = await env.run({ command: 'ADD', config: env.conf('bad', keys), ...attach(pod, 'bad-1') });
      expect(r.code, JSON.stringify(keys)).toBe(1);
      expect(r.json.code, r.stdout).toBe(7);
      if (typeof msg === 'string') expect(r.json.msg).toBe(msg);
      else expect(r.json.msg).toMatch(msg);
    }
    expect(env.names(env.node)).toEqual(before);
    expect(env.names(pod)).toEqual(['lo']);
    // a second uplink makes hdup movable; and a second ADD of the same attachment is refused
    env.vethDevice('hdup2');
    env.node.exec(['ip', 'route', 'add', 'default', 'dev', 'hdup2', 'metric', '200']);
    const ok = await env.run({ command: 'ADD', config: env.conf('bad', { device: 'hdup' }), ...attach(pod, 'bad-1') });
    expect(ok.code, ok.stdout).toBe(0);
    // with hdup gone, hdup2 is the only uplink now
    expect((await env.run({ command: 'ADD', config: env.conf('bad', { device: 'hdup2' }), ...attach(pod, 'bad-2', 'net2') })).json.msg).toMatch(/hdup2 is the node's only uplink/);
    env.vethDevice('hdsecond');
    const twice = await env.run({ command: 'ADD', config: env.conf('bad', { device: 'hdsecond' }), ...attach(pod, 'bad-1') });
    expect(twice.json.msg).toMatch(/already exists/);
    expect(env.link(env.node, 'hdsecond')?.flags).toContain('UP');
    expect((await env.run({ command: 'DEL', config: env.conf('bad', { device: 'hdup' }), ...attach(pod, 'bad-1') })).code).toBe(0);
    expect(env.link(env.node, 'hdup')).toBeDefined();
  });

  it('at 0.2.0 without IPAM (no result could be printed) ADD is refused before the device moves', async () => {
    env.vethDevice('hdold');
    const pod = env.pod('old');
    const r = await env.run({ command: 'ADD', config: { ...env.conf('old', { device: 'hdold' }), cniVersion: '0.2.0' }, ...attach(pod, 'old-1') });
    expect(r.json).toMatchObject({ code: 7, msg: 'missing ipam' });
    expect(env.link(env.node, 'hdold')?.flags).toContain('UP');
    expect(env.names(pod)).toEqual(['lo']);
  });

  it('GC and STATUS are IPAM\'s: GC releases the address of an attachment that is no longer valid', async () => {
    env.vethDevice('hdgc1');
    env.vethDevice('hdgc2');
    const pod1 = env.pod('gc1');
    const pod2 = env.pod('gc2');
    const conf = (device: string) => ({ ...env.confWithIpam('gc', '10.79.0.0/24', { device }), cniVersion: '1.1.0' });
    expect((await env.run({ command: 'ADD', config: conf('hdgc1'), ...attach(pod1, 'gc-1') })).code).toBe(0);
    expect((await env.run({ command: 'ADD', config: conf('hdgc2'), ...attach(pod2, 'gc-2') })).code).toBe(0);
    expect(env.ipamFiles()).toHaveLength(2);
    const g = await env.run({ command: 'GC', config: { ...conf('hdgc1'), 'cni.dev/valid-attachments': [{ containerID: 'gc-1', ifname: 'net1' }] } });
    expect(g.code, g.stdout).toBe(0);
    expect(env.ipamFiles()).toEqual(['gc/10.79.0.2']);
    const st = await env.run({ command: 'STATUS', config: conf('hdgc1') });
    expect(st.code, st.stdout).toBe(0);
    for (const [p, cid, dev] of [[pod1, 'gc-1', 'hdgc1'], [pod2, 'gc-2', 'hdgc2']] as const) {
      expect((await env.run({ command: 'DEL', config: conf(dev), ...attach(p, cid) })).code).toBe(0);
      expect(env.link(env.node, dev)).toBeDefined();
    }
    expect(env.ipamFiles()).toEqual([]);
  });

  it.each(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'].map((v, i) => [v, i] as const))('spec version %s: ADD answers in its shape, DEL returns the device', async (v, i) => {
    const dev = `hdver${i}`;
    env.vethDevice(dev, `10.76.${i}.1/24`);
    const config = { ...env.confWithIpam(`ver${i}`, `10.76.${i}.0/24`, { device: dev }), cniVersion: v };
    const pod = env.pod(`v${v.replace(/\./g, '')}`);
    const r = await env.run({ command: 'ADD', config, ...attach(pod, `ver-${v}`) });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.cniVersion).toBe(v);
    if (v.startsWith('0.1') || v.startsWith('0.2')) expect(r.json.ip4).toMatchObject({ ip: expect.stringMatching(/\/24$/) });
    else expect(r.json.ips[0]).toMatchObject({ interface: 0 });
    const d = await env.run({ command: 'DEL', config, ...attach(pod, `ver-${v}`) });
    expect(d.code, d.stdout).toBe(0);
    expect(env.link(env.node, dev)).toBeDefined();
    expect(env.ipamFiles()).toEqual([]);
  });
});
