import { describe, expect, it } from 'vitest';
import { RTM_NEWLINK, addAddress, addRoute, createVrf, getLink } from '../netlink/index.ts';
import { FakeKernel } from '../testing/fake-kernel.ts';
import { createVrfDevice, enslaveToVrf, freeVrfTable, lookupVrf, releaseFromVrf, vrfPorts } from './vrf.ts';

function pod(kernel = new FakeKernel()) {
  const ns = kernel.netns('pod');
  const sock = ns.socket();
  const eth = ns.addDevice('eth0', { kind: 'veth' });
  return { kernel, ns, sock, eth };
}

describe('freeVrfTable', () => {
  it('takes the lowest table from 1 no VRF uses, skipping the kernel tables 253-255', () => {
    const { sock } = pod();
    expect(freeVrfTable(sock)).toBe(1);
    createVrf(sock, { name: 'a', table: 1 });
    createVrf(sock, { name: 'b', table: 3 });
    expect(freeVrfTable(sock)).toBe(2);
    for (let t = 2; t <= 252; t++) if (t !== 3) createVrf(sock, { name: `v${t}`, table: t });
    expect(freeVrfTable(sock)).toBe(256);
  });
});

describe('lookupVrf / createVrfDevice', () => {
  it('tells absent, a VRF and another kind apart', () => {
    const { sock } = pod();
    expect(lookupVrf(sock, 'blue')).toEqual({ state: 'absent' });
    createVrfDevice(sock, 'blue', 10);
    expect(lookupVrf(sock, 'blue')).toMatchObject({ state: 'vrf', vrf: { name: 'blue', table: 10 } });
    expect(lookupVrf(sock, 'eth0')).toMatchObject({ state: 'other', link: { name: 'eth0' } });
  });

  it('a kernel without vrf: code 999 naming CONFIG_NET_VRF / module vrf', () => {
    const { sock, kernel } = pod(new FakeKernel({ unsupportedKinds: ['vrf'] }));
    expect(() => createVrfDevice(sock, 'blue', 10)).toThrow(expect.objectContaining({ code: 999, msg: expect.stringContaining('VRF support (module vrf)'), details: expect.stringContaining('CONFIG_NET_VRF') }));
    expect(kernel.requests(RTM_NEWLINK)).toHaveLength(1);
  });
});

describe('enslaveToVrf', () => {
  it('moves the universe-scope routes into the VRF table and restores the IPv6 address the kernel dropped', async () => {
    const { ns, sock, eth } = pod();
    addAddress(sock, eth.index, { address: '10.1.0.5', prefixLen: 24 });
    addAddress(sock, eth.index, { address: 'fd00::5', prefixLen: 64, noDad: true });
    addRoute(sock, { dst: '0.0.0.0/0', gateway: '10.1.0.1', oif: eth.index });
    addRoute(sock, { dst: '10.1.0.0/24', oif: eth.index }); // link scope: the kernel's to re-make, not ours
    addRoute(sock, { dst: '::/0', gateway: 'fd00::1', oif: eth.index });
    const vrf = createVrfDevice(sock, 'blue', 100);
    const port = getLink(sock, eth.index);
    if (!port) throw new Error('no port');
    const enslaved = await enslaveToVrf(sock, port, vrf);

    expect(ns.byName('eth0')?.master).toBe(vrf.index);
    expect(enslaved.movedRoutes.map((r) => r.dst).sort()).toEqual(['0.0.0.0/0', '::/0']);
    expect(ns.routesOf(254)).toEqual([]);
    expect(ns.routesOf(100).map((r) => `${r.dst} ${r.gateway ?? ''}`.trim()).sort()).toEqual(['0.0.0.0/0 10.1.0.1', '::/0 fd00::1', 'fd00::5/128']);
    expect(ns.addresses.filter((a) => a.family === 10)).toHaveLength(1);
    expect(vrfPorts(sock, vrf.index).map((l) => l.name)).toEqual(['eth0']);
  });

  it('releaseFromVrf with restore puts the moved routes back in the main table', async () => {
    const { ns, sock, eth } = pod();
    addAddress(sock, eth.index, { address: '10.1.0.5', prefixLen: 24 });
    addRoute(sock, { dst: '0.0.0.0/0', gateway: '10.1.0.1', oif: eth.index });
    const vrf = createVrfDevice(sock, 'blue', 100);
    const enslaved = await enslaveToVrf(sock, getLink(sock, eth.index)!, vrf);
    releaseFromVrf(sock, enslaved, true);
    expect(ns.byName('eth0')?.master).toBe(0);
    expect(ns.routesOf(254).map((r) => r.dst)).toEqual(['0.0.0.0/0']);
    expect(vrfPorts(sock, vrf.index)).toEqual([]);
  });
});
