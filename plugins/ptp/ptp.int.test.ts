import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type PtpEnv, attach, createPtpEnv, ping } from './test-env.ts';

// ptp end to end against the kernel: two pods routed through the node, IPv4 and IPv6, CHECK
// noticing a missing route on either end, DEL leaving nothing, a failed ADD leaving nothing.

const gc = (env: PtpEnv, name: string, ranges: string[], valid: { containerID: string; ifname: string }[]) => ({
  ...env.conf(name, ranges),
  cniVersion: '1.1.0',
  'cni.dev/valid-attachments': valid,
});

describe.skipIf(!isRoot())('ptp: routed veth pairs', () => {
  let env: PtpEnv;
  beforeAll(() => {
    env = createPtpEnv('ptp');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  it('IPv4: pods reach each other and the node through their peers; CHECK; DEL leaves nothing', async () => {
    const config = env.conf('v4', ['10.91.0.0/24'], { mtu: 1400 });
    const p1 = env.pod('a');
    const p2 = env.pod('b');
    const r1 = await env.run({ command: 'ADD', config, ...attach(p1, 'v4-1') });
    const r2 = await env.run({ command: 'ADD', config, ...attach(p2, 'v4-2') });
    expect(r1.code, r1.stdout).toBe(0);
    expect(r2.code, r2.stdout).toBe(0);
    expect(r1.json.cniVersion).toBe('1.0.0');
    expect(r1.json.ips).toEqual([{ address: '10.91.0.2/24', gateway: '10.91.0.1', interface: 1 }]);
    expect(r1.json.routes).toEqual([{ dst: '0.0.0.0/0' }]);
    const [hostIf, ctrIf] = r1.json.interfaces;
    expect(hostIf.name).toMatch(/^veth[0-9a-f]{8}$/);
    expect(hostIf.sandbox).toBeUndefined();
    expect(ctrIf).toMatchObject({ name: 'eth0', sandbox: p1.path });

    const routes = ipJson<{ dst: string; gateway?: string; scope?: string; prefsrc?: string }[]>(p1, ['-4', 'route', 'show']);
    expect(routes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.91.0.1' }));
    expect(routes).toContainEqual(expect.objectContaining({ dst: '10.91.0.0/24', gateway: '10.91.0.1', prefsrc: '10.91.0.2' }));
    expect(routes).toContainEqual(expect.objectContaining({ dst: '10.91.0.1', scope: 'link', prefsrc: '10.91.0.2' }));
    expect(routes.filter((r) => r.dst === '10.91.0.0/24' && !r.gateway)).toEqual([]); // the connected route is gone
    expect(env.hostAddresses().filter((a) => a.startsWith('10.91.')).map((a) => a.split(' ')[0])).toEqual(['10.91.0.1/32', '10.91.0.1/32']);
    expect(env.hostRoutes(4)).toEqual(expect.arrayContaining([`10.91.0.2 ${hostIf.name}`, `10.91.0.3 ${r2.json.interfaces[0].name}`]));
    const mtus = [ipJson<{ mtu: number }[]>(p1, ['link', 'show', 'eth0'])[0]?.mtu, ipJson<{ mtu: number }[]>(env.node, ['link', 'show', hostIf.name])[0]?.mtu];
    expect(mtus).toEqual([1400, 1400]);
    expect(env.node.exec(['sysctl', '-n', 'net.ipv4.ip_forward']).trim()).toBe('1');
    expect(ping(p1, '10.91.0.3')).toBe(0);
    expect(ping(p1, '10.91.0.1')).toBe(0);
    expect(ping(env.node, '10.91.0.2')).toBe(0);

    const c = await env.run({ command: 'CHECK', config: { ...config, prevResult: r1.json }, ...attach(p1, 'v4-1') });
    expect(c.code, c.stdout).toBe(0);
    for (const [p, cid] of [[p1, 'v4-1'], [p2, 'v4-2']] as const) {
      const d = await env.run({ command: 'DEL', config, ...attach(p, cid) });
      expect(d.code, d.stdout).toBe(0);
    }
    expect(env.hostVeths()).toEqual([]);
    expect(env.hostAddresses().filter((a) => a.startsWith('10.91.'))).toEqual([]);
    expect(env.hostRoutes(4).filter((r) => r.startsWith('10.91.'))).toEqual([]);
    expect(env.ipamFiles()).toEqual([]);
    expect(ipJson<{ ifname: string }[]>(p1, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
    const again = await env.run({ command: 'DEL', config, ...attach(p1, 'v4-1') });
    expect(again.code, again.stdout).toBe(0);
  });

  it('dual stack: IPv6 peers and routes, v6 pod-to-pod and node-to-pod', async () => {
    const config = env.conf('ds', ['10.92.0.0/24', 'fd92::/64']);
    const p1 = env.pod('d1');
    const p2 = env.pod('d2');
    const r1 = await env.run({ command: 'ADD', config, ...attach(p1, 'ds-1') });
    const r2 = await env.run({ command: 'ADD', config, ...attach(p2, 'ds-2') });
    expect(r1.code, r1.stdout).toBe(0);
    expect(r2.code, r2.stdout).toBe(0);
    expect(r1.json.ips).toEqual([
      { address: '10.92.0.2/24', gateway: '10.92.0.1', interface: 1 },
      { address: 'fd92::2/64', gateway: 'fd92::1', interface: 1 },
    ]);
    const v6 = ipJson<{ dst: string; gateway?: string }[]>(p1, ['-6', 'route', 'show']);
    expect(v6).toContainEqual(expect.objectContaining({ dst: 'default', gateway: 'fd92::1' }));
    expect(v6).toContainEqual(expect.objectContaining({ dst: 'fd92::/64', gateway: 'fd92::1' }));
    expect(env.hostAddresses()).toContain(`fd92::1/128 ${r1.json.interfaces[0].name}`);
    expect(env.hostRoutes(6)).toContain(`fd92::2 ${r1.json.interfaces[0].name}`);
    expect(env.node.exec(['sysctl', '-n', 'net.ipv6.conf.all.forwarding']).trim()).toBe('1');
    expect(ping(p1, 'fd92::3')).toBe(0);
    expect(ping(env.node, 'fd92::2')).toBe(0);
    expect(ping(p2, '10.92.0.2')).toBe(0);
    const c = await env.run({ command: 'CHECK', config: { ...config, prevResult: r2.json }, ...attach(p2, 'ds-2') });
    expect(c.code, c.stdout).toBe(0);
    for (const [p, cid] of [[p1, 'ds-1'], [p2, 'ds-2']] as const) expect((await env.run({ command: 'DEL', config, ...attach(p, cid) })).code).toBe(0);
    expect(env.hostVeths()).toEqual([]);
    expect(env.hostRoutes(6).filter((r) => r.startsWith('fd92:'))).toEqual([]);
    expect(env.ipamFiles()).toEqual([]);
  });

  it('CHECK reports a removed route in the pod, and a removed host route', async () => {
    const config = env.conf('chk', ['10.93.0.0/24']);
    const p = env.pod('chk');
    const r = await env.run({ command: 'ADD', config, ...attach(p, 'chk-1') });
    expect(r.code, r.stdout).toBe(0);
    const withPrev = { ...config, prevResult: r.json };
    expect((await env.run({ command: 'CHECK', config: withPrev, ...attach(p, 'chk-1') })).code).toBe(0);
    p.exec(['ip', 'route', 'del', 'default']);
    const c1 = await env.run({ command: 'CHECK', config: withPrev, ...attach(p, 'chk-1') });
    expect(c1.code).toBe(1);
    expect(c1.json.msg).toBe('route 0.0.0.0/0 is missing in ' + p.path);
    p.exec(['ip', 'route', 'add', 'default', 'via', '10.93.0.1']);
    env.node.exec(['ip', 'route', 'del', '10.93.0.2/32']);
    const c2 = await env.run({ command: 'CHECK', config: withPrev, ...attach(p, 'chk-1') });
    expect(c2.code).toBe(1);
    expect(c2.json.msg).toMatch(/^the host route to 10\.93\.0\.2\/32 via veth[0-9a-f]{8} is missing$/);
    expect((await env.run({ command: 'DEL', config, ...attach(p, 'chk-1') })).code).toBe(0);
  });

  it('a failed ADD leaves nothing: the veth pair is deleted and the address released', async () => {
    const config = env.conf('fail', ['10.94.0.0/24']);
    (config.ipam as Record<string, unknown>).routes = [{ dst: '192.0.2.0/24', gw: '198.51.100.1' }]; // unreachable gateway
    const p = env.pod('fail');
    const r = await env.run({ command: 'ADD', config, ...attach(p, 'fail-1') });
    expect(r.code).toBe(1);
    expect(r.json.msg).toMatch(/^failed to add route 192\.0\.2\.0\/24 via 198\.51\.100\.1 in the container/);
    expect(env.hostVeths()).toEqual([]);
    expect(env.hostAddresses().filter((a) => a.startsWith('10.94.'))).toEqual([]);
    expect(env.ipamFiles()).toEqual([]);
    expect(ipJson<{ ifname: string }[]>(p, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('bad input is code 7 naming the key, with nothing changed', async () => {
    const p = env.pod('bad');
    for (const [extra, msg] of [[{ mtu: 10 }, 'invalid mtu 10'], [{ mtu: 65536 }, 'invalid mtu 65536'], [{ ipam: undefined }, 'missing ipam'], [{ ipMasq: 1 }, 'invalid ipMasq 1']] as const) {
      const r = await env.run({ command: 'ADD', config: env.conf('bad', ['10.95.0.0/24'], extra), ...attach(p, 'bad-1') });
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ code: 7, msg });
    }
    expect(env.hostVeths()).toEqual([]);
    expect(env.ipamFiles()).toEqual([]);
    expect(ipJson<{ ifname: string }[]>(p, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
  });

  it('GC releases the addresses of attachments that are no longer valid; STATUS asks IPAM', async () => {
    const config = { ...env.conf('gc', ['10.96.0.0/24']), cniVersion: '1.1.0' };
    const p1 = env.pod('g1');
    const p2 = env.pod('g2');
    expect((await env.run({ command: 'ADD', config, ...attach(p1, 'gc-1') })).code).toBe(0);
    expect((await env.run({ command: 'ADD', config, ...attach(p2, 'gc-2') })).code).toBe(0);
    expect(env.ipamFiles()).toHaveLength(2);
    const g = await env.run({ command: 'GC', config: gc(env, 'gc', ['10.96.0.0/24'], [{ containerID: 'gc-1', ifname: 'eth0' }]) });
    expect(g.code, g.stdout).toBe(0);
    expect(env.ipamFiles()).toEqual(['gc/10.96.0.2']);
    const s = await env.run({ command: 'STATUS', config });
    expect(s.code, s.stdout).toBe(0);
    for (const [p, cid] of [[p1, 'gc-1'], [p2, 'gc-2']] as const) expect((await env.run({ command: 'DEL', config, ...attach(p, cid) })).code).toBe(0);
    expect(env.ipamFiles()).toEqual([]);
  });

  it.each(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])('spec version %s: ADD answers in its shape, DEL cleans', async (v) => {
    const config = { ...env.conf(`ver${v.replace(/\./g, '')}`, ['10.97.0.0/24']), cniVersion: v };
    const p = env.pod(`v${v.replace(/\./g, '')}`);
    const r = await env.run({ command: 'ADD', config, ...attach(p, `ver-${v}`) });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.cniVersion).toBe(v);
    if (v.startsWith('0.1') || v.startsWith('0.2')) expect(r.json.ip4).toMatchObject({ ip: '10.97.0.2/24', gateway: '10.97.0.1' });
    else expect(r.json.ips[0]).toMatchObject({ address: '10.97.0.2/24', interface: 1 });
    expect(ping(env.node, '10.97.0.2')).toBe(0);
    const d = await env.run({ command: 'DEL', config, ...attach(p, `ver-${v}`) });
    expect(d.code, d.stdout).toBe(0);
    expect(env.hostVeths()).toEqual([]);
    expect(env.ipamFiles()).toEqual([]);
  });
});
