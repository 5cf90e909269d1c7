import { describe, expect, it } from 'vitest';
import { FakeKernel } from '../testing/fake-kernel.ts';
import { IFF_UP, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MASTER, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTA_TABLE, RTM_NEWLINK, RTM_NEWROUTE, RTM_SETLINK } from './constants.ts';
import { IFINFOMSG_LEN, RTMSG_LEN, decodeIfInfoMsg, decodeRtMsg } from './headers.ts';
import { setLink } from './link.ts';
import { addRoute, replaceRoute } from './route.ts';
import { IFLA_VRF_TABLE, createVrf, getVrf, listVrfs } from './vrf.ts';
import { attrMap, readString, readU32 } from './wire.ts';

describe('createVrf', () => {
  it('sends one RTM_NEWLINK: kind vrf with IFLA_VRF_TABLE, up in the same request', () => {
    const kernel = new FakeKernel();
    const pod = kernel.netns('pod');
    const link = createVrf(pod.socket(), { name: 'blue', table: 1001, up: true });
    expect(link).toMatchObject({ name: 'blue', kind: 'vrf', up: true });
    const msg = kernel.requests(RTM_NEWLINK)[0];
    if (!msg) throw new Error('no RTM_NEWLINK');
    expect(msg.flags & (NLM_F_CREATE | NLM_F_EXCL)).toBe(NLM_F_CREATE | NLM_F_EXCL);
    const ifi = decodeIfInfoMsg(msg.payload);
    expect([ifi.flags & IFF_UP, ifi.change & IFF_UP]).toEqual([IFF_UP, IFF_UP]);
    const top = attrMap(msg.payload.subarray(IFINFOMSG_LEN));
    expect(readString(top.get(IFLA_IFNAME) ?? Buffer.alloc(0))).toBe('blue');
    const info = attrMap(top.get(IFLA_LINKINFO) ?? Buffer.alloc(0));
    expect(readString(info.get(IFLA_INFO_KIND) ?? Buffer.alloc(0))).toBe('vrf');
    expect(readU32(attrMap(info.get(IFLA_INFO_DATA) ?? Buffer.alloc(0)).get(IFLA_VRF_TABLE))).toBe(1001);
  });

  it('a kernel without vrf refuses with EOPNOTSUPP', () => {
    const pod = new FakeKernel({ unsupportedKinds: ['vrf'] }).netns('pod');
    expect(() => createVrf(pod.socket(), { name: 'blue', table: 1 })).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
  });

  it('getVrf tells a VRF (with its table) from another link; listVrfs lists only VRFs', () => {
    const pod = new FakeKernel().netns('pod');
    const sock = pod.socket();
    createVrf(sock, { name: 'blue', table: 7 });
    createVrf(sock, { name: 'red', table: 9 });
    pod.addDevice('eth0', { kind: 'veth' });
    expect(getVrf(sock, 'blue')?.table).toBe(7);
    expect(getVrf(sock, 'eth0')).toMatchObject({ link: { name: 'eth0' }, table: undefined });
    expect(getVrf(sock, 'none')).toBeUndefined();
    expect(listVrfs(sock).map((v) => [v.link.name, v.table])).toEqual([['blue', 7], ['red', 9]]);
  });

  it('enslaving is IFLA_MASTER = the VRF index; replaceRoute sends NLM_F_REPLACE with RTA_TABLE (header table 0 above 255)', () => {
    const kernel = new FakeKernel();
    const pod = kernel.netns('pod');
    const sock = pod.socket();
    const vrf = createVrf(sock, { name: 'blue', table: 1001 });
    const eth = pod.addDevice('eth0', { kind: 'veth' });
    setLink(sock, eth.index, { master: vrf.index });
    const set = kernel.requests(RTM_SETLINK).at(-1);
    expect(readU32(attrMap(set?.payload.subarray(IFINFOMSG_LEN) ?? Buffer.alloc(0)).get(IFLA_MASTER))).toBe(vrf.index);
    expect(pod.byName('eth0')?.master).toBe(vrf.index);

    replaceRoute(sock, { dst: '10.9.0.0/16', gateway: '10.1.0.1', oif: eth.index, table: 1001 });
    addRoute(sock, { dst: '10.8.0.0/16', gateway: '10.1.0.1', oif: eth.index });
    const [replace, add] = kernel.requests(RTM_NEWROUTE);
    expect((replace?.flags ?? 0) & (NLM_F_CREATE | NLM_F_REPLACE | NLM_F_EXCL)).toBe(NLM_F_CREATE | NLM_F_REPLACE);
    expect((add?.flags ?? 0) & NLM_F_REPLACE).toBe(0);
    expect(decodeRtMsg(replace?.payload ?? Buffer.alloc(RTMSG_LEN)).table).toBe(0);
    expect(readU32(attrMap(replace?.payload.subarray(RTMSG_LEN) ?? Buffer.alloc(0)).get(RTA_TABLE))).toBe(1001);
    expect(pod.routesOf(1001).map((r) => r.dst)).toEqual(['10.9.0.0/16']);
  });
});
