import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, type PluginCall, type TestNamespace, createNamespace, ipJson, isRoot, probeLinkKind, removeAllNamespaces, runPluginBinary } from '../../lib/testing/index.ts';

// vlan against the kernel, in throwaway namespaces: a "node" holding the master (one end of a
// veth pair) and pods. The kernel may lack 8021q (this machine's does): then the full ADD/CHECK/
// DEL tests skip with the kernel's answer, and the tests of what needs no VLAN device run: the
// error naming the missing module with nothing left behind, bad input refused before any
// change, DEL of what is not there.

const VLAN = isRoot() ? probeLinkKind('vlan') : { supported: false, reason: 'not root' };
const OUR_VLAN = join(DIST_BIN, 'vlan');

describe.skipIf(!isRoot())('vlan plugin (real kernel)', () => {
  let node: TestNamespace;
  let dataDir: string;
  const conf = (extra: Record<string, unknown> = {}) => ({
    cniVersion: '1.1.0',
    name: 'vlannet',
    type: 'vlan',
    master: 'eth1',
    vlanId: 100,
    ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.93.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] },
    ...extra,
  });
  const run = (call: Omit<PluginCall, 'node'>) => runPluginBinary(OUR_VLAN, { path: DIST_BIN, ...call, node });
  const reservations = () => readdirSync(dataDir, { recursive: true }).map(String).filter((f) => /\d+\.\d+\.\d+\.\d+$/.test(f));
  const links = (ns: TestNamespace) => ipJson<{ ifname: string }[]>(ns, ['link', 'show']).map((l) => l.ifname).sort();

  beforeAll(() => {
    node = createNamespace('vlan-node');
    node.exec(['ip', 'link', 'add', 'eth1', 'mtu', '1500', 'type', 'veth', 'peer', 'name', 'eth1peer']);
    node.exec(['ip', 'link', 'set', 'eth1', 'up']);
    dataDir = mkdtempSync(join(tmpdir(), 'cnits-vlan-data-'));
  });
  afterAll(() => {
    removeAllNamespaces();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.skipIf(VLAN.supported)('without 8021q: ADD fails with code 999 naming the module; no address reserved, no link left', async () => {
    const pod = createNamespace('vlan-pod');
    const nodeLinks = links(node);
    const r = await run({ command: 'ADD', config: conf(), containerId: 'nok', netns: pod.path, ifname: 'eth0' });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringContaining('the kernel has no 802.1Q VLAN support (module 8021q)'), details: expect.stringContaining('modprobe 8021q') });
    expect(links(pod)).toEqual(['lo']);
    expect(links(node)).toEqual(nodeLinks);
    expect(reservations()).toEqual([]);
  });

  it('bad input is code 7 before any change: a master that does not exist, an MTU above the master\'s, vlanId 4095', async () => {
    const pod = createNamespace('vlan-bad');
    const cases: [Record<string, unknown>, string][] = [
      [{ master: 'nosuch0' }, 'invalid master "nosuch0": no such interface in the node\'s network namespace'],
      [{ master: 'eth1', linkInContainer: true }, 'invalid master "eth1": no such interface in the pod\'s network namespace (linkInContainer)'],
      [{ mtu: 9000 }, 'invalid mtu 9000: must be at most the master\'s MTU (eth1: 1500)'],
      [{ vlanId: 4095 }, 'invalid vlanId 4095'],
    ];
    for (const [extra, msg] of cases) {
      const r = await run({ command: 'ADD', config: conf(extra), containerId: 'bad', netns: pod.path, ifname: 'eth0' });
      expect(r.json, JSON.stringify(extra)).toMatchObject({ code: 7, msg });
    }
    expect(links(pod)).toEqual(['lo']);
    expect(reservations()).toEqual([]);
  });

  it('DEL of an attachment never added succeeds, also with the master gone, an empty CNI_NETNS or a deleted netns', async () => {
    const pod = createNamespace('vlan-del');
    for (const netns of [pod.path, '']) {
      const r = await run({ command: 'DEL', config: conf({ master: 'gone0' }), containerId: 'never', netns, ifname: 'eth0' });
      expect(r.code, r.stdout).toBe(0);
    }
    pod.remove();
    const r = await run({ command: 'DEL', config: conf(), containerId: 'never', netns: pod.path, ifname: 'eth0' });
    expect(r.code, r.stdout).toBe(0);
  });

  it('DEL leaves an interface of that name alone when it is not a VLAN device (not ours)', async () => {
    const pod = createNamespace('vlan-notours');
    pod.exec(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'x0']);
    const r = await run({ command: 'DEL', config: conf(), containerId: 'notours', netns: pod.path, ifname: 'eth0' });
    expect(r.code, r.stdout).toBe(0);
    expect(links(pod)).toContain('eth0');
  });

  describe.skipIf(!VLAN.supported)(`with 8021q${VLAN.supported ? '' : ` (skipped: ${VLAN.reason})`}`, () => {
    it.each(['0.3.1', '0.4.0', '1.0.0', '1.1.0'])('cniVersion %s: ADD makes eth0 a VLAN 100 device on eth1 with the address and routes; CHECK; DEL leaves nothing', async (v) => {
      const pod = createNamespace('vlan-pod');
      const config = conf({ cniVersion: v, mtu: 1400 });
      const att = { containerId: `c-${v}`, netns: pod.path, ifname: 'eth0' };
      const r = await run({ command: 'ADD', config, ...att });
      expect(r.code, r.stdout).toBe(0);
      expect(r.json.interfaces).toEqual([{ name: 'eth0', mac: expect.any(String), sandbox: pod.path }]);
      expect(r.json.ips).toEqual([expect.objectContaining({ address: expect.stringMatching(/^10\.93\.0\.\d+\/24$/), interface: 0 })]);
      const [l] = ipJson<{ ifname: string; mtu: number; linkinfo: { info_kind: string; info_data: { id: number; protocol: string } } }[]>(pod, ['-d', 'link', 'show', 'eth0']);
      expect(l).toMatchObject({ mtu: 1400, linkinfo: { info_kind: 'vlan', info_data: { id: 100, protocol: '802.1Q' } } });
      expect(links(node).filter((n) => n.startsWith('veth'))).toEqual([]); // the temporary name never stays on the node
      if (v !== '0.3.1') {
        const c = await run({ command: 'CHECK', config: { ...config, prevResult: r.json }, ...att });
        expect(c.code, c.stdout).toBe(0);
        pod.exec(['ip', 'link', 'set', 'eth0', 'mtu', '1300']);
        const bad = await run({ command: 'CHECK', config: { ...config, prevResult: r.json }, ...att });
        expect(bad.json.msg).toContain('has MTU 1300, the config says 1400');
      }
      const d = await run({ command: 'DEL', config, ...att });
      expect(d.code, d.stdout).toBe(0);
      expect(links(pod)).toEqual(['lo']);
      expect(reservations()).toEqual([]);
    });

    it('a second pod on the same master and VLAN id fails and releases its address; the first keeps working', async () => {
      const a = createNamespace('vlan-a');
      const b = createNamespace('vlan-b');
      const r1 = await run({ command: 'ADD', config: conf(), containerId: 'a', netns: a.path, ifname: 'eth0' });
      expect(r1.code, r1.stdout).toBe(0);
      const r2 = await run({ command: 'ADD', config: conf(), containerId: 'b', netns: b.path, ifname: 'eth0' });
      expect(r2.json.msg).toContain('already has a device for VLAN 100');
      expect(links(b)).toEqual(['lo']);
      expect(reservations()).toHaveLength(1);
      expect((await run({ command: 'DEL', config: conf(), containerId: 'a', netns: a.path, ifname: 'eth0' })).code).toBe(0);
    });

    it('linkInContainer: the master is in the pod and the device is made there', async () => {
      const pod = createNamespace('vlan-inpod');
      pod.exec(['ip', 'link', 'add', 'net1', 'type', 'veth', 'peer', 'name', 'net1peer']);
      const config = conf({ master: 'net1', linkInContainer: true });
      const r = await run({ command: 'ADD', config, containerId: 'inpod', netns: pod.path, ifname: 'eth0' });
      expect(r.code, r.stdout).toBe(0);
      expect(links(pod)).toContain('eth0');
      expect((await run({ command: 'DEL', config, containerId: 'inpod', netns: pod.path, ifname: 'eth0' })).code).toBe(0);
      expect(links(pod)).not.toContain('eth0');
    });
  });
});
