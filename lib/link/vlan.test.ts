import { describe, expect, it } from 'vitest';
import { RTM_NEWLINK, RTM_SETLINK } from '../netlink/index.ts';
import type { Netns } from '../netns/index.ts';
import { FakeKernel } from '../testing/fake-kernel.ts';
import { createContainerVlan } from './vlan.ts';

function setup(kernel = new FakeKernel()) {
  const host = kernel.netns('host');
  const pod = kernel.netns('pod');
  const master = host.addDevice('eth1', { mtu: 9000 });
  const hostSock = host.socket();
  const ctr = pod.socket();
  const podNs = { fd: pod.fd } as Netns;
  return { kernel, host, pod, master, hostSock, ctr, podNs };
}

describe('createContainerVlan', () => {
  it('creates under a temporary name straight into the pod, then renames it there while down', () => {
    const { kernel, host, pod, master, hostSock, ctr, podNs } = setup();
    const link = createContainerVlan(ctr, podNs, { sock: hostSock, link: { ...master, kind: undefined } as never, inContainer: false }, { ifname: 'eth0', vlanId: 42, mtu: 1500 });
    expect(link).toMatchObject({ name: 'eth0', kind: 'vlan', mtu: 1500, up: false });
    expect(pod.byName('eth0')).toMatchObject({ vlanId: 42, parent: { index: master.index } });
    expect(host.byName('eth0')).toBeUndefined();
    const [create] = kernel.sent.filter((s) => s.msg.type === RTM_NEWLINK);
    expect(create?.ns).toBe('host');
    const rename = kernel.sent.filter((s) => s.msg.type === RTM_SETLINK);
    expect(rename.map((s) => s.ns)).toEqual(['pod']);
  });

  it('with the master in the pod, the device is made there (no netns fd)', () => {
    const { pod, ctr, podNs } = setup();
    const podMaster = pod.addDevice('net1', { mtu: 1500 });
    const link = createContainerVlan(ctr, podNs, { sock: ctr, link: podMaster as never, inContainer: true }, { ifname: 'eth0', vlanId: 7 });
    expect(link).toMatchObject({ name: 'eth0', mtu: 1500 });
    expect(pod.byName('eth0')?.parent?.index).toBe(podMaster.index);
  });

  it('a kernel without 8021q: code 999 naming the module; nothing is left in either netns', () => {
    const { host, pod, master, hostSock, ctr, podNs } = setup(new FakeKernel({ unsupportedKinds: ['vlan'] }));
    expect(() => createContainerVlan(ctr, podNs, { sock: hostSock, link: master as never, inContainer: false }, { ifname: 'eth0', vlanId: 42 })).toThrow(
      expect.objectContaining({ code: 999, msg: expect.stringContaining('802.1Q VLAN support (module 8021q)') }),
    );
    expect([...pod.links.values()].map((l) => l.name)).toEqual(['lo']);
    expect([...host.links.values()].map((l) => l.name)).toEqual(['lo', 'eth1']);
  });

  it('the VLAN id already used on the master: an error saying so, not a retry loop', () => {
    const { kernel, master, hostSock, ctr, podNs } = setup();
    const other = kernel.netns('other');
    createContainerVlan(other.socket(), { fd: other.fd } as Netns, { sock: hostSock, link: master as never, inContainer: false }, { ifname: 'eth0', vlanId: 42 });
    const before = kernel.requests(RTM_NEWLINK).length;
    expect(() => createContainerVlan(ctr, podNs, { sock: hostSock, link: master as never, inContainer: false }, { ifname: 'eth0', vlanId: 42 })).toThrow(
      expect.objectContaining({ code: 999, msg: expect.stringContaining('already has a device for VLAN 42') }),
    );
    expect(kernel.requests(RTM_NEWLINK).length - before).toBe(1);
  });
});
