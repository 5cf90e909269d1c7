import { describe, expect, it } from 'vitest';
import { FakeKernel } from '../testing/fake-kernel.ts';
import { IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINK, IFLA_LINKINFO, IFLA_MTU, IFLA_NET_NS_FD, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK } from './constants.ts';
import { IFINFOMSG_LEN } from './headers.ts';
import { IFLA_VLAN_ID, IFLA_VLAN_PROTOCOL, createVlan, getVlanInfo } from './vlan.ts';
import { attrMap, readString, readU32 } from './wire.ts';

function sentCreate(kernel: FakeKernel) {
  const msg = kernel.requests(RTM_NEWLINK).at(-1);
  if (!msg) throw new Error('no RTM_NEWLINK sent');
  const top = attrMap(msg.payload.subarray(IFINFOMSG_LEN));
  const info = attrMap(top.get(IFLA_LINKINFO) ?? Buffer.alloc(0));
  const data = attrMap(info.get(IFLA_INFO_DATA) ?? Buffer.alloc(0));
  return { msg, top, info, data };
}

describe('createVlan', () => {
  it('sends one RTM_NEWLINK: kind vlan, IFLA_LINK = parent, VLAN id (host order) and 802.1Q protocol (network order), MTU, netns fd', () => {
    const kernel = new FakeKernel();
    const host = kernel.netns('host');
    const pod = kernel.netns('pod');
    const eth = host.addDevice('eth1', { mtu: 9000 });
    const made = createVlan(host.socket(), { name: 'vtmp0', parent: eth.index, vlanId: 100, mtu: 1500, netnsFd: pod.fd });
    expect(made).toBeUndefined(); // it went to the pod's netns

    const { msg, top, info, data } = sentCreate(kernel);
    expect(msg.flags & (NLM_F_CREATE | NLM_F_EXCL)).toBe(NLM_F_CREATE | NLM_F_EXCL);
    expect(readString(top.get(IFLA_IFNAME) ?? Buffer.alloc(0))).toBe('vtmp0');
    expect(readU32(top.get(IFLA_LINK))).toBe(eth.index);
    expect(readU32(top.get(IFLA_MTU))).toBe(1500);
    expect(readU32(top.get(IFLA_NET_NS_FD))).toBe(pod.fd);
    expect(readString(info.get(IFLA_INFO_KIND) ?? Buffer.alloc(0))).toBe('vlan');
    expect(data.get(IFLA_VLAN_ID)?.toString('hex')).toBe('6400');
    expect(data.get(IFLA_VLAN_PROTOCOL)?.toString('hex')).toBe('8100');
    expect(pod.byName('vtmp0')).toMatchObject({ kind: 'vlan', vlanId: 100, mtu: 1500 });
    expect(host.byName('vtmp0')).toBeUndefined();
  });

  it('802.1ad puts 0x88a8 on the wire; without netnsFd or MTU the device is read back with the parent MTU', () => {
    const kernel = new FakeKernel();
    const host = kernel.netns('host');
    const eth = host.addDevice('eth1', { mtu: 9000 });
    const link = createVlan(host.socket(), { name: 'eth1.7', parent: eth.index, vlanId: 7, protocol: '802.1ad' });
    const { top, data } = sentCreate(kernel);
    expect(top.has(IFLA_MTU)).toBe(false);
    expect(top.has(IFLA_NET_NS_FD)).toBe(false);
    expect(data.get(IFLA_VLAN_PROTOCOL)?.toString('hex')).toBe('88a8');
    expect(link).toMatchObject({ name: 'eth1.7', kind: 'vlan', mtu: 9000 });
    expect(getVlanInfo(host.socket(), 'eth1.7')).toEqual({ vlanId: 7, protocol: '802.1ad' });
  });

  it('a kernel without 8021q refuses with EOPNOTSUPP; a second device of the same id on the parent with EEXIST', () => {
    const bare = new FakeKernel({ unsupportedKinds: ['vlan'] });
    const h = bare.netns('host');
    const e1 = h.addDevice('eth1');
    expect(() => createVlan(h.socket(), { name: 'v', parent: e1.index, vlanId: 5 })).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));

    const kernel = new FakeKernel();
    const host = kernel.netns('host');
    const eth = host.addDevice('eth1');
    createVlan(host.socket(), { name: 'a', parent: eth.index, vlanId: 5 });
    expect(() => createVlan(host.socket(), { name: 'b', parent: eth.index, vlanId: 5 })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  });

  it('getVlanInfo: undefined for a missing link and for a link of another kind', () => {
    const kernel = new FakeKernel();
    const host = kernel.netns('host');
    host.addDevice('eth1', { kind: 'veth' });
    expect(getVlanInfo(host.socket(), 'nope')).toBeUndefined();
    expect(getVlanInfo(host.socket(), 'eth1')).toBeUndefined();
  });
});
