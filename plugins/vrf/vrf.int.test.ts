import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, type PluginCall, type TestNamespace, createNamespace, ipJson, isRoot, probeLinkKind, removeAllNamespaces, runPluginBinary } from '../../lib/testing/index.ts';

// vrf against the kernel: pods made by hand (eth0, one end of a veth pair, with an address and
// a default route, as an interface plugin leaves it) and vrf chained after them. The kernel
// may lack CONFIG_NET_VRF (this machine's does): then the full tests skip with the kernel's
// answer, and those that need no VRF device run: the error naming the missing module with the
// pod unchanged, bad input refused before any change, DEL and CHECK of what is not there.

const VRF = isRoot() ? probeLinkKind('vrf') : { supported: false, reason: 'not root' };
const OUR_VRF = join(DIST_BIN, 'vrf');

function prevResult(pod: TestNamespace, version = '1.1.0'): Record<string, unknown> {
  return {
    cniVersion: version,
    interfaces: [{ name: 'eth0', sandbox: pod.path }],
    ips: [{ address: '10.94.0.2/24', gateway: '10.94.0.1', interface: 0 }],
    routes: [{ dst: '0.0.0.0/0' }],
  };
}

describe.skipIf(!isRoot())('vrf plugin (real kernel)', () => {
  let node: TestNamespace;
  const conf = (pod: TestNamespace, extra: Record<string, unknown> = {}) => ({ cniVersion: '1.1.0', name: 'vrfnet', type: 'vrf', vrfname: 'blue', prevResult: prevResult(pod), ...extra });
  const run = (call: Omit<PluginCall, 'node'>) => runPluginBinary(OUR_VRF, { ...call, node });
  const state = (pod: TestNamespace) => ({
    links: ipJson<{ ifname: string; master?: string }[]>(pod, ['link', 'show']).map((l) => `${l.ifname}${l.master ? ` master ${l.master}` : ''}`).sort(),
    routes: ipJson<{ dst: string; gateway?: string }[]>(pod, ['-4', 'route', 'show']).map((r) => `${r.dst} ${r.gateway ?? ''}`.trim()).sort(),
  });
  function pod(purpose: string): TestNamespace {
    const p = createNamespace(purpose);
    p.exec(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0peer']);
    p.exec(['ip', 'addr', 'add', '10.94.0.2/24', 'dev', 'eth0']);
    p.exec(['ip', 'link', 'set', 'eth0', 'up']);
    p.exec(['ip', 'link', 'set', 'eth0peer', 'up']);
    p.exec(['ip', 'route', 'add', 'default', 'via', '10.94.0.1', 'dev', 'eth0']);
    return p;
  }

  beforeAll(() => {
    node = createNamespace('vrf-node');
  });
  afterAll(() => removeAllNamespaces());

  it.skipIf(VRF.supported)('without VRF support: ADD fails with code 999 naming the module; the pod is unchanged', async () => {
    const p = pod('vrf-nok');
    const before = state(p);
    const r = await run({ command: 'ADD', config: conf(p), containerId: 'nok', netns: p.path, ifname: 'eth0' });
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 999, msg: expect.stringContaining('the kernel has no VRF support (module vrf)'), details: expect.stringContaining('CONFIG_NET_VRF') });
    expect(state(p)).toEqual(before);
  });

  it('bad input is code 7 before any change: vrfname taken by a non-VRF link, a reserved table, no prevResult', async () => {
    const p = pod('vrf-bad');
    const before = state(p);
    const cases: [Record<string, unknown>, string][] = [
      [{ vrfname: 'eth0peer' }, 'invalid vrfname "eth0peer": the pod has a link of that name that is not a VRF (it is a veth)'],
      [{ table: 254 }, 'invalid table 254'],
      [{ vrfname: '' }, 'invalid vrfname ""'],
      [{ prevResult: undefined }, 'missing prevResult from earlier plugin'],
    ];
    for (const [extra, msg] of cases) {
      const r = await run({ command: 'ADD', config: conf(p, extra), containerId: 'bad', netns: p.path, ifname: 'eth0' });
      expect(r.json, JSON.stringify(extra)).toMatchObject({ code: 7, msg });
    }
    expect(state(p)).toEqual(before);
  });

  it('DEL succeeds without a VRF, with a non-VRF link of that name (left alone), an empty CNI_NETNS and a deleted netns; CHECK without the VRF fails', async () => {
    const p = pod('vrf-del');
    for (const vrfname of ['blue', 'eth0peer']) {
      const r = await run({ command: 'DEL', config: conf(p, { vrfname }), containerId: 'd', netns: p.path, ifname: 'eth0' });
      expect(r.code, r.stdout).toBe(0);
    }
    expect(state(p).links).toContain('eth0peer');
    const c = await run({ command: 'CHECK', config: conf(p), containerId: 'd', netns: p.path, ifname: 'eth0' });
    expect(c.json).toMatchObject({ code: 999, msg: expect.stringContaining('VRF blue does not exist') });
    expect((await run({ command: 'DEL', config: conf(p), containerId: 'd', netns: '', ifname: 'eth0' })).code).toBe(0);
    p.remove();
    expect((await run({ command: 'DEL', config: conf(p), containerId: 'd', netns: p.path, ifname: 'eth0' })).code).toBe(0);
  });

  describe.skipIf(!VRF.supported)(`with VRF support${VRF.supported ? '' : ` (skipped: ${VRF.reason})`}`, () => {
    it.each(['0.3.1', '0.4.0', '1.0.0', '1.1.0'])('cniVersion %s: ADD creates the VRF, enslaves eth0, moves the default route into its table and passes prevResult; CHECK; DEL removes the VRF', async (v) => {
      const p = pod('vrf-pod');
      const config = conf(p, { cniVersion: v, prevResult: prevResult(p, v) });
      const att = { containerId: `c-${v}`, netns: p.path, ifname: 'eth0' };
      const r = await run({ command: 'ADD', config, ...att });
      expect(r.code, r.stdout).toBe(0);
      expect(r.json).toEqual(prevResult(p, v));
      const [vrf] = ipJson<{ linkinfo: { info_kind: string; info_data: { table: number } } }[]>(p, ['-d', 'link', 'show', 'blue']);
      expect(vrf?.linkinfo).toMatchObject({ info_kind: 'vrf', info_data: { table: 1 } });
      expect(state(p).links).toContain('eth0 master blue');
      expect(ipJson<{ dst: string; gateway?: string }[]>(p, ['-4', 'route', 'show', 'vrf', 'blue'])).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.94.0.1' }));
      if (v !== '0.3.1') expect((await run({ command: 'CHECK', config, ...att })).code).toBe(0);
      const d = await run({ command: 'DEL', config, ...att });
      expect(d.code, d.stdout).toBe(0);
      expect(state(p).links).not.toContain('blue');
      expect(state(p).links).toContain('eth0');
    });

    it('a configured table; a second VRF takes the next free table; a mismatching table for an existing VRF is code 7', async () => {
      const p = pod('vrf-tables');
      p.exec(['ip', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1peer']);
      const r = await run({ command: 'ADD', config: conf(p, { table: 100 }), containerId: 't', netns: p.path, ifname: 'eth0' });
      expect(r.code, r.stdout).toBe(0);
      const bad = await run({ command: 'ADD', config: conf(p, { table: 101 }), containerId: 't', netns: p.path, ifname: 'eth1' });
      expect(bad.json).toMatchObject({ code: 7, msg: 'invalid table 101: VRF blue already exists with routing table 100' });
    });
  });
});
