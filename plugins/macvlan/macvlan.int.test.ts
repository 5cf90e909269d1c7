import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_VERSIONS, specHasCheck, specHasGcAndStatus } from '../../lib/cni/index.ts';
import { type ChildEnv, GO, MASTER, OURS, attach, createChildEnv, linkDetails, ping } from '../../lib/testing/child-env.ts';
import { hasGoPlugin, ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';

// macvlan end to end against this machine's kernel (which has macvlan): pods on a veth master
// in a throwaway node namespace, traffic between them in bridge mode, CHECK, DEL, the master
// in the pod (linkInContainer), the default route's interface as master, failures that must
// leave nothing, every spec version, and interop with Debian's Go macvlan both ways.

describe.skipIf(!isRoot())('macvlan on the real kernel', () => {
  let env: ChildEnv;
  beforeAll(() => {
    env = createChildEnv('mvl');
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  it('bridge mode: two pods on one master reach each other; CHECK; DEL leaves nothing', async () => {
    const config = env.conf('macvlan', 'mvbr', '10.81.0.0/24', { mtu: 1400 });
    const p1 = env.pod('a');
    const p2 = env.pod('b');
    const r1 = await env.run(OURS.macvlan, { command: 'ADD', config, ...attach(p1, 'br-1') });
    const r2 = await env.run(OURS.macvlan, { command: 'ADD', config, ...attach(p2, 'br-2') });
    expect(r1.code, r1.stdout).toBe(0);
    expect(r2.code, r2.stdout).toBe(0);
    expect(r1.json.interfaces).toEqual([{ name: 'eth0', mac: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/), sandbox: p1.path }]);
    expect(r1.json.ips).toEqual([{ address: '10.81.0.2/24', gateway: '10.81.0.1', interface: 0 }]);
    expect(r1.json.routes).toEqual([{ dst: '0.0.0.0/0' }]);
    const masterIndex = ipJson<{ ifindex: number }[]>(env.node, ['link', 'show', MASTER])[0]?.ifindex;
    expect(linkDetails(p1, 'eth0')).toMatchObject({ kind: 'macvlan', mode: 'bridge', link_index: masterIndex, mtu: 1400, address: r1.json.interfaces[0].mac });
    expect(ipJson<{ dst: string; gateway?: string }[]>(p1, ['-4', 'route', 'show'])).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.81.0.1' }));
    expect(env.links(env.node).filter((l) => l.startsWith('veth'))).toEqual([]); // the temporary name never stays on the node
    expect(p1.exec(['sysctl', '-n', 'net.ipv4.conf.eth0.arp_notify', 'net.ipv6.conf.eth0.ndisc_notify']).split('\n').filter(Boolean)).toEqual(['1', '1']); // neighbours learn the new MAC
    expect(ping(p1, '10.81.0.3')).toBe(0);
    expect(ping(p2, '10.81.0.2')).toBe(0);

    const c = await env.run(OURS.macvlan, { command: 'CHECK', config: { ...config, prevResult: r1.json }, ...attach(p1, 'br-1') });
    expect(c.code, c.stdout).toBe(0);
    for (const [p, cid] of [[p1, 'br-1'], [p2, 'br-2']] as const) {
      const d = await env.run(OURS.macvlan, { command: 'DEL', config, ...attach(p, cid) });
      expect(d.code, d.stdout).toBe(0);
      expect(env.links(p)).toEqual(['lo']);
    }
    expect(env.ipamFiles('mvbr')).toEqual([]);
    expect((await env.run(OURS.macvlan, { command: 'DEL', config, ...attach(p1, 'br-1') })).code).toBe(0); // again: nothing left to do
  });

  it('private mode isolates the pods; the MAC comes from runtimeConfig.mac over CNI_ARGS MAC; no ipam: L2 only', async () => {
    const config = env.conf('macvlan', 'mvl2', undefined, { mode: 'private', mac: '02:00:00:00:01:01', runtimeConfig: { mac: '02:00:00:00:01:03' } });
    const p = env.pod('l2');
    const r = await env.run(OURS.macvlan, { command: 'ADD', config, args: 'IgnoreUnknown=1;MAC=02:00:00:00:01:02', ...attach(p, 'l2-1') });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json).toEqual({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac: '02:00:00:00:01:03', sandbox: p.path }] });
    expect(linkDetails(p, 'eth0')).toMatchObject({ kind: 'macvlan', mode: 'private', address: '02:00:00:00:01:03', operstate: 'UP' });
    expect(ipJson<{ addr_info: { scope: string }[] }[]>(p, ['addr', 'show', 'eth0'])[0]?.addr_info.filter((a) => a.scope === 'global')).toEqual([]);
    const c = await env.run(OURS.macvlan, { command: 'CHECK', config: { ...config, prevResult: r.json }, ...attach(p, 'l2-1') });
    expect(c.code, c.stdout).toBe(0);
    expect((await env.run(OURS.macvlan, { command: 'DEL', config, ...attach(p, 'l2-1') })).code).toBe(0);
    expect(env.links(p)).toEqual(['lo']);
    // a 0.1/0.2 result needs an address: refused before the link exists (Go creates and leaves it)
    const old = await env.run(OURS.macvlan, { command: 'ADD', config: { ...config, cniVersion: '0.2.0' }, ...attach(p, 'l2-2') });
    expect(old.json).toMatchObject({ code: 7, msg: 'invalid ipam.type ""' });
    expect(env.links(p)).toEqual(['lo']);
  });

  it('CHECK reports another mode than configured, a removed address and another MAC', async () => {
    const config = env.conf('macvlan', 'mvchk', '10.82.0.0/24');
    const p = env.pod('chk');
    const r = await env.run(OURS.macvlan, { command: 'ADD', config, ...attach(p, 'chk-1') });
    expect(r.code, r.stdout).toBe(0);
    const check = (conf: Record<string, unknown>) => env.run(OURS.macvlan, { command: 'CHECK', config: { ...conf, prevResult: r.json }, ...attach(p, 'chk-1') });
    expect((await check({ ...config, mode: 'vepa' })).json.msg).toBe('container macvlan mode bridge does not match the configured vepa');
    p.exec(['ip', 'addr', 'del', '10.82.0.2/24', 'dev', 'eth0']);
    expect((await check(config)).json.msg).toBe('address 10.82.0.2/24 is missing on eth0');
    const other = await env.run(OURS.macvlan, { command: 'CHECK', config: { ...config, prevResult: { ...r.json, interfaces: [{ ...r.json.interfaces[0], mac: '02:00:00:00:99:99' }] } }, ...attach(p, 'chk-1') });
    expect(other.json.msg).toMatch(/^interface eth0 has MAC .* prevResult says 02:00:00:00:99:99$/);
    expect((await env.run(OURS.macvlan, { command: 'DEL', config, ...attach(p, 'chk-1') })).code).toBe(0);
  });

  it('without master: the interface of the node\'s default route', async () => {
    env.node.exec(['ip', 'addr', 'add', '10.83.255.1/24', 'dev', MASTER]);
    env.node.exec(['ip', 'route', 'add', 'default', 'via', '10.83.255.254']);
    try {
      const config = { ...env.conf('macvlan', 'mvdef', '10.83.0.0/24'), master: undefined };
      const p = env.pod('def');
      const r = await env.run(OURS.macvlan, { command: 'ADD', config, ...attach(p, 'def-1') });
      expect(r.code, r.stdout).toBe(0);
      const masterIndex = ipJson<{ ifindex: number }[]>(env.node, ['link', 'show', MASTER])[0]?.ifindex;
      expect(linkDetails(p, 'eth0').link_index).toBe(masterIndex);
      expect((await env.run(OURS.macvlan, { command: 'DEL', config, ...attach(p, 'def-1') })).code).toBe(0);
    } finally {
      env.node.exec(['ip', 'route', 'del', 'default']);
      env.node.exec(['ip', 'addr', 'del', '10.83.255.1/24', 'dev', MASTER]);
    }
  });

  it('linkInContainer: the master is looked up and the macvlan made inside the pod', async () => {
    const p = env.pod('lic');
    p.exec(['ip', 'link', 'add', 'par0', 'type', 'veth', 'peer', 'name', 'par0p']);
    p.exec(['ip', 'link', 'set', 'par0', 'up']);
    p.exec(['ip', 'link', 'set', 'par0p', 'up']);
    const config = env.conf('macvlan', 'mvlic', '10.84.0.0/24', { master: 'par0', linkInContainer: true });
    const r = await env.run(OURS.macvlan, { command: 'ADD', config, ifname: 'net1', containerId: 'lic-1', netns: p.path });
    expect(r.code, r.stdout).toBe(0);
    expect(linkDetails(p, 'net1')).toMatchObject({ kind: 'macvlan', link: 'par0' });
    const c = await env.run(OURS.macvlan, { command: 'CHECK', config: { ...config, prevResult: r.json }, ifname: 'net1', containerId: 'lic-1', netns: p.path });
    expect(c.code, c.stdout).toBe(0);
    // the node has no par0: without linkInContainer the same master is a code 7
    const wrong = await env.run(OURS.macvlan, { command: 'ADD', config: { ...config, linkInContainer: false }, ifname: 'net2', containerId: 'lic-2', netns: p.path });
    expect(wrong.json).toMatchObject({ code: 7, msg: 'invalid master "par0"' });
    expect((await env.run(OURS.macvlan, { command: 'DEL', config, ifname: 'net1', containerId: 'lic-1', netns: p.path })).code).toBe(0);
    expect(env.links(p).sort()).toEqual(['lo', 'par0', 'par0p']);
  });

  it('DEL after the pod\'s namespace is gone succeeds and releases the address', async () => {
    const config = env.conf('macvlan', 'mvgone', '10.85.0.0/24');
    const p = env.pod('gone');
    expect((await env.run(OURS.macvlan, { command: 'ADD', config, ...attach(p, 'gone-1') })).code).toBe(0);
    expect(env.ipamFiles('mvgone')).toEqual(['mvgone/10.85.0.2']);
    const path = p.path;
    p.remove();
    const d = await env.run(OURS.macvlan, { command: 'DEL', config, containerId: 'gone-1', netns: path, ifname: 'eth0' });
    expect(d.code, d.stdout).toBe(0);
    expect(env.ipamFiles('mvgone')).toEqual([]);
    // an empty CNI_NETNS too
    expect((await env.run(OURS.macvlan, { command: 'DEL', config, containerId: 'gone-1', netns: '', ifname: 'eth0' })).code).toBe(0);
  });

  it('a failed ADD after the link and IPAM leaves nothing: the macvlan is deleted and the address released', async () => {
    const config = env.conf('macvlan', 'mvfail', '10.86.0.0/24');
    (config.ipam as Record<string, unknown>).routes = [{ dst: '192.0.2.0/24', gw: '198.51.100.1' }]; // a gateway no address reaches
    const p = env.pod('fail');
    const r = await env.run(OURS.macvlan, { command: 'ADD', config, ...attach(p, 'fail-1') });
    expect(r.code).toBe(1);
    expect(r.json.msg).toMatch(/^failed to add route 192\.0\.2\.0\/24 via 198\.51\.100\.1/);
    expect(env.links(p)).toEqual(['lo']);
    expect(env.links(env.node).sort()).toEqual(['lo', MASTER, `${MASTER}p`].sort());
    expect(env.ipamFiles('mvfail')).toEqual([]);
  });

  it.each([
    [{ master: 'nosuch0' }, 'invalid master "nosuch0"'],
    [{ master: 'lo' }, 'invalid master "lo"'],
    [{ mtu: 1501 }, 'invalid mtu 1501'],
    [{ mode: 'source' }, 'invalid mode "source"'],
    [{ mac: '01:00:5e:00:00:01' }, 'invalid mac "01:00:5e:00:00:01"'],
  ])('bad input %j is code 7 (%s) and changes nothing', async (extra, msg) => {
    const config = env.conf('macvlan', 'mvbad', '10.87.0.0/24', extra);
    const p = env.pod('bad');
    const r = await env.run(OURS.macvlan, { command: 'ADD', config, ...attach(p, 'bad-1') });
    expect(r.json).toMatchObject({ code: 7, msg });
    expect(env.links(p)).toEqual(['lo']);
    expect(env.ipamFiles('mvbad')).toEqual([]);
    p.remove();
  });

  it('a bridge port as master is code 7; the bridge itself is a fine master', async () => {
    env.node.exec(['ip', 'link', 'add', 'mvbr0', 'type', 'bridge']);
    env.node.exec(['ip', 'link', 'add', 'brp0', 'type', 'veth', 'peer', 'name', 'brp0p']);
    env.node.exec(['ip', 'link', 'set', 'brp0', 'master', 'mvbr0']);
    try {
      const p = env.pod('brp');
      const port = await env.run(OURS.macvlan, { command: 'ADD', config: env.conf('macvlan', 'mvport', undefined, { master: 'brp0' }), ...attach(p, 'brp-1') });
      expect(port.json).toMatchObject({ code: 7, msg: 'invalid master "brp0"', details: expect.stringContaining('is a port of a bridge') });
      const br = await env.run(OURS.macvlan, { command: 'ADD', config: env.conf('macvlan', 'mvport', undefined, { master: 'mvbr0' }), ...attach(p, 'brp-1') });
      expect(br.code, br.stdout).toBe(0);
      expect((await env.run(OURS.macvlan, { command: 'DEL', config: env.conf('macvlan', 'mvport', undefined), ...attach(p, 'brp-1') })).code).toBe(0);
    } finally {
      env.node.exec(['ip', 'link', 'del', 'brp0']);
      env.node.exec(['ip', 'link', 'del', 'mvbr0']);
    }
  });

  it.each(SUPPORTED_VERSIONS)('spec %s: ADD, CHECK where the version has it, DEL; GC and STATUS from 1.1.0', async (version) => {
    const config = { ...env.conf('macvlan', 'mvver', '10.88.0.0/24'), cniVersion: version };
    const p = env.pod('ver');
    const r = await env.run(OURS.macvlan, { command: 'ADD', config, ...attach(p, 'ver-1') });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.cniVersion).toBe(version);
    if (specHasCheck(version)) {
      const c = await env.run(OURS.macvlan, { command: 'CHECK', config: { ...config, prevResult: r.json }, ...attach(p, 'ver-1') });
      expect(c.code, c.stdout).toBe(0);
    }
    if (specHasGcAndStatus(version)) {
      expect((await env.run(OURS.macvlan, { command: 'STATUS', config })).code).toBe(0);
      const gc = await env.run(OURS.macvlan, { command: 'GC', config: { ...config, 'cni.dev/valid-attachments': [{ containerID: 'ver-1', ifname: 'eth0' }] } });
      expect(gc.code, gc.stdout).toBe(0);
      expect(env.ipamFiles('mvver')).toEqual([`mvver/${String(r.json.ips[0].address).split('/')[0]}`]); // the valid attachment keeps its address
    }
    expect((await env.run(OURS.macvlan, { command: 'DEL', config, ...attach(p, 'ver-1') })).code).toBe(0);
    expect(env.links(p)).toEqual(['lo']);
    expect(env.ipamFiles('mvver')).toEqual([]);
    p.remove();
  });

  describe.skipIf(!hasGoPlugin('macvlan'))('interop with Debian\'s Go macvlan (1.1.1)', () => {
    it('ADD by ours, CHECK and DEL by Go; ADD by Go, CHECK and DEL by ours', async () => {
      const config = env.conf('macvlan', 'mvgo', '10.89.0.0/24', { mode: 'vepa' });
      const p = env.pod('go');
      const ours = await env.run(OURS.macvlan, { command: 'ADD', config, ...attach(p, 'go-1') });
      expect(ours.code, ours.stdout).toBe(0);
      const goCheck = await env.run(GO.macvlan, { command: 'CHECK', config: { ...config, prevResult: ours.json }, ...attach(p, 'go-1') });
      expect(goCheck.code, goCheck.stdout).toBe(0);
      const goDel = await env.run(GO.macvlan, { command: 'DEL', config, ...attach(p, 'go-1') });
      expect(goDel.code, goDel.stdout).toBe(0);
      expect(env.links(p)).toEqual(['lo']);
      expect(env.ipamFiles('mvgo')).toEqual([]);

      const go = await env.run(GO.macvlan, { command: 'ADD', config, ...attach(p, 'go-2') });
      expect(go.code, go.stdout).toBe(0);
      expect(linkDetails(p, 'eth0')).toMatchObject({ kind: 'macvlan', mode: 'vepa' });
      const ourCheck = await env.run(OURS.macvlan, { command: 'CHECK', config: { ...config, prevResult: go.json }, ...attach(p, 'go-2') });
      expect(ourCheck.code, ourCheck.stdout).toBe(0);
      const ourDel = await env.run(OURS.macvlan, { command: 'DEL', config, ...attach(p, 'go-2') });
      expect(ourDel.code, ourDel.stdout).toBe(0);
      expect(env.links(p)).toEqual(['lo']);
      expect(env.ipamFiles('mvgo')).toEqual([]);
    });
  });
});
