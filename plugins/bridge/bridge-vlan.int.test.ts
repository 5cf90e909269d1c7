import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNamespace, ipJson, isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type BridgeEnv, attach, createBridgeEnv, kernelHasVlanFiltering } from './test-env.ts';

// VLANs need a kernel built with CONFIG_BRIDGE_VLAN_FILTERING. Without it only the error path
// can be tested (a clear message, nothing left behind); with it, access ports, trunks, the
// default VLAN, isolation between VLANs and the `<bridge>.<vlan>` gateway interface.

interface VlanEntry { vlan: number; vlanEnd?: number; flags?: string[] }
interface PortVlans { ifname: string; vlans: VlanEntry[] }

describe.skipIf(!isRoot())('bridge: VLANs', () => {
  let env: BridgeEnv;
  let supported = false;
  beforeAll(() => {
    env = createBridgeEnv('brvlan');
    supported = kernelHasVlanFiltering(env.node);
  });
  afterAll(() => {
    removeAllNamespaces();
    env?.dispose();
  });

  const vlansOf = (dev: string) => (JSON.parse(env.node.exec(['bridge', '-j', 'vlan', 'show', 'dev', dev]) || '[]') as PortVlans[])[0]?.vlans ?? [];
  /** One entry per VID (ranges expanded), with its flags: e.g. '100 pvid untagged'. */
  const summary = (dev: string) =>
    vlansOf(dev).flatMap((v) => {
      const flags = `${v.flags?.includes('PVID') ? ' pvid' : ''}${v.flags?.includes('Egress Untagged') ? ' untagged' : ''}`;
      return Array.from({ length: (v.vlanEnd ?? v.vlan) - v.vlan + 1 }, (_, i) => `${v.vlan + i}${flags}`);
    });

  async function addPod(name: string, bridge: string, extra: Record<string, unknown>, ipam: Record<string, unknown> | null = null): Promise<{ pod: TestNamespace; result: any; config: Record<string, unknown> }> {
    const pod = env.pod(name);
    const config = env.conf({ name: bridge, bridge, ...extra }, ipam);
    const r = await env.run({ command: 'ADD', config, ...attach(pod, name) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return { pod, result: r.json, config };
  }

  it('without kernel support: a clear error naming the missing feature, and nothing left', async () => {
    if (supported) return; // covered by the tests below
    const pod = env.pod('nosup');
    const before = env.hostVeths();
    const r = await env.run({ command: 'ADD', config: env.conf({ name: 'nosup', bridge: 'br-nosup', vlan: 100 }, { subnet: '10.88.9.0/24' }), ...attach(pod, 'nosup') });
    expect(r.code).toBe(1);
    expect(r.json.msg).toContain('VLAN filtering');
    expect(r.json.details).toMatch(/vlan/);
    expect(env.hostVeths()).toEqual(before);
    expect(ipJson<{ ifname: string }[]>(pod, ['link', 'show']).map((l) => l.ifname)).toEqual(['lo']);
    expect(env.ipamFiles()).toEqual([]);
  });

  it('an access VLAN: PVID and untagged on the port, VLAN 1 removed, filtering on', async (ctx) => {
    if (!supported) ctx.skip();
    const a = await addPod('acc', 'br-v1', { vlan: 100 });
    expect(summary(a.result.interfaces[1].name)).toEqual(['100 pvid untagged']);
    const info = ipJson<{ linkinfo: { info_data: { vlan_filtering: number } } }[]>(env.node, ['-d', 'link', 'show', 'br-v1'])[0];
    expect(info?.linkinfo.info_data.vlan_filtering).toBe(1);
  });

  it('a trunk: tagged VLANs, VLAN 1 as native; preserveDefaultVlan keeps VLAN 1 beside an access VLAN', async (ctx) => {
    if (!supported) ctx.skip();
    const t = await addPod('trunk', 'br-v2', { vlanTrunk: [{ id: 101 }, { minID: 200, maxID: 202 }, { id: 101 }] });
    expect(summary(t.result.interfaces[1].name)).toEqual(['1 pvid untagged', '101', '200', '201', '202']);
    const p = await addPod('pres', 'br-v2', { vlan: 300, preserveDefaultVlan: true });
    expect(summary(p.result.interfaces[1].name)).toEqual(['1 untagged', '300 pvid untagged']);
  });

  it('pods in different VLANs of one bridge cannot reach each other; in the same VLAN they can', async (ctx) => {
    if (!supported) ctx.skip();
    const ipam = (ip: string) => ({ type: 'static', addresses: [{ address: ip }] });
    const a = await addPod('va', 'br-v3', { vlan: 10 }, ipam('10.88.3.2/24'));
    const b = await addPod('vb', 'br-v3', { vlan: 10 }, ipam('10.88.3.3/24'));
    const c = await addPod('vc', 'br-v3', { vlan: 20 }, ipam('10.88.3.4/24'));
    expect(b.result.ips[0].address).toBe('10.88.3.3/24');
    expect(a.pod.tryExec(['ping', '-c', '1', '-W', '2', '10.88.3.3']).code).toBe(0);
    expect(a.pod.tryExec(['ping', '-c', '1', '-W', '1', '10.88.3.4']).code).not.toBe(0);
    expect(c.result.interfaces).toHaveLength(3);
  });

  it('vlan with isGateway puts the gateway on <bridge>.<vlan>, shared by the VLAN and kept by DEL', async (ctx) => {
    if (!supported) ctx.skip();
    const ipam = { subnet: '10.88.4.0/24' };
    const a = await addPod('gw1', 'br-v4', { vlan: 40, isGateway: true, ipMasq: true }, ipam);
    const gw = a.result.interfaces[3];
    expect(gw.name).toBe('br-v4.40');
    const addrs = ipJson<{ addr_info: { local: string }[] }[]>(env.node, ['-4', 'addr', 'show', 'dev', 'br-v4.40'])[0]?.addr_info ?? [];
    expect(addrs.map((x) => x.local)).toEqual(['10.88.4.1']);
    expect(ipJson<{ addr_info: unknown[] }[]>(env.node, ['-4', 'addr', 'show', 'dev', 'br-v4'])[0]?.addr_info ?? []).toEqual([]);
    const peerIndex = ipJson<{ link_index?: number; link?: string }[]>(env.node, ['link', 'show', 'br-v4.40'])[0]?.link ?? '';
    expect(summary(peerIndex)).toEqual(['40 pvid untagged']);
    expect(a.pod.tryExec(['ping', '-c', '1', '-W', '2', '10.88.4.1']).code).toBe(0);
    const b = await addPod('gw2', 'br-v4', { vlan: 40, isGateway: true }, ipam);
    expect(b.result.interfaces[3].name).toBe('br-v4.40');
    const check = await env.run({ command: 'CHECK', config: { ...a.config, prevResult: a.result }, ...attach(a.pod, 'gw1') });
    expect(check.code, check.stdout).toBe(0);
    const d = await env.run({ command: 'DEL', config: a.config, ...attach(a.pod, 'gw1') });
    expect(d.code, d.stdout).toBe(0);
    expect(ipJson(env.node, ['link', 'show', 'br-v4.40'])).toHaveLength(1);
    expect(b.pod.tryExec(['ping', '-c', '1', '-W', '2', '10.88.4.1']).code).toBe(0);
  });
});
