import { describe, expect, it } from 'vitest';
import type { Result } from '../../lib/cni/index.ts';
import type { Link, NetSysctl } from '../../lib/link/index.ts';
import type { TuningConfig } from './config.ts';
import { differences, mtuRefusal, patchResultMac, planBackup, requestedSettings, restoreSteps, sysctlRefusal } from './plan.ts';

const link: Link = {
  index: 3, name: 'eth0', kind: 'veth', slaveKind: undefined, master: undefined, mtu: 1500, mac: '0a:00:00:00:00:01', flags: 0, up: true, lowerUp: true,
  promisc: false, allmulti: false, txQueueLen: 1000, minMtu: 68, maxMtu: 65535, operstate: 'up', link: 2, linkNetnsId: 0, type: 1,
};
const somaxconn = { key: 'net.core.somaxconn', source: 'sysctl', name: 'net/core/somaxconn', value: '512' };
const cfg = (over: Partial<TuningConfig>): TuningConfig => ({ dataDir: '/d', sysctls: [], link: {}, sources: {}, ...over });

describe('sysctlRefusal', () => {
  it.each([
    ['writable', undefined],
    ['read-only', 'the host owns it'],
    ['missing', 'not per network namespace on this kernel'],
    ['not-a-file', 'is a directory'],
  ] as const)('%s', (state, why) => {
    const probe: NetSysctl = { name: somaxconn.name, state, value: '4096' };
    const r = sysctlRefusal(somaxconn, probe);
    if (why === undefined) expect(r).toBeUndefined();
    else expect(r).toMatchObject({ code: 7, msg: 'invalid sysctl key "net.core.somaxconn"', details: expect.stringContaining(why) });
  });
});

describe('mtuRefusal', () => {
  it('takes the driver range, names the key, and treats max 0 as unlimited', () => {
    expect(mtuRefusal(9000, link, 'mtu')).toBeUndefined();
    expect(mtuRefusal(67, link, 'mtu')).toMatchObject({ code: 7, msg: 'invalid mtu 67', details: 'expected an integer from 68 to 65535: the range of eth0\'s driver' });
    expect(mtuRefusal(65536, link, 'args.cni.mtu')?.msg).toBe('invalid args.cni.mtu 65536');
    expect(mtuRefusal(100000, { ...link, maxMtu: 0 }, 'mtu')).toBeUndefined();
  });
});

describe('backup plan', () => {
  it('keeps what an earlier ADD saved and adds the rest from the link', () => {
    expect(planBackup({ mac: '0a:00:00:00:00:09', mtu: 1400 }, { mac: '0a:00:00:00:00:01' })).toEqual({ mac: '0a:00:00:00:00:01', mtu: 1400 });
    expect(planBackup({ promisc: false }, undefined)).toEqual({ promisc: false });
  });
  it('restores in Go\'s order: MTU, MAC, promisc, allmulti, txqlen', () => {
    expect(restoreSteps({ txQueueLen: 5, allmulti: true, promisc: false, mac: '0a:00:00:00:00:01', mtu: 1500 }).map(([k]) => k)).toEqual(['mtu', 'mac', 'promisc', 'allmulti', 'txQueueLen']);
  });
  it('applies in Go\'s order: MAC, promisc, MTU, allmulti, txqlen', () => {
    expect(requestedSettings({ txQueueLen: 5, mtu: 1400, mac: '0a:00:00:00:00:01', allmulti: false })).toEqual(['mac', 'mtu', 'allmulti', 'txQueueLen']);
  });
});

describe('patchResultMac', () => {
  it('changes the MAC of the interfaces named CNI_IFNAME only', () => {
    const prev: Result = { cniVersion: '1.1.0', interfaces: [{ name: 'cni0', mac: '0a:00:00:00:00:aa' }, { name: 'eth0', mac: '0a:00:00:00:00:01', sandbox: '/x' }] };
    const out = patchResultMac(prev, 'eth0', '0a:00:00:00:00:02');
    expect(out.interfaces?.map((i) => i.mac)).toEqual(['0a:00:00:00:00:aa', '0a:00:00:00:00:02']);
    expect(prev.interfaces?.[1]?.mac).toBe('0a:00:00:00:00:01');
  });
});

describe('differences (CHECK)', () => {
  it('finds nothing when everything matches, with sysctl whitespace as the kernel prints it', () => {
    const rmem = { key: 'net.ipv4.tcp_rmem', source: 'sysctl', name: 'net/ipv4/tcp_rmem', value: '4096 131072 6291456' };
    const c = cfg({ sysctls: [somaxconn, rmem], link: { mac: link.mac as string, mtu: 1500, allmulti: false, txQueueLen: 1000 } });
    const now: NetSysctl[] = [{ name: somaxconn.name, state: 'writable', value: '512' }, { name: rmem.name, state: 'writable', value: '4096\t131072\t6291456' }];
    expect(differences(c, link, now)).toEqual([]);
  });
  it('reports every difference', () => {
    const c = cfg({ sysctls: [somaxconn], link: { mac: '0a:00:00:00:00:02', mtu: 1400, promisc: true, allmulti: true, txQueueLen: 5 } });
    const d = differences(c, link, [{ name: somaxconn.name, state: 'writable', value: '4096' }]);
    expect(d).toEqual([
      'sysctl net.core.somaxconn is "4096", configured "512"',
      'eth0 MAC is 0a:00:00:00:00:01, configured 0a:00:00:00:00:02',
      'eth0 promiscuous mode is off, configured on',
      'eth0 MTU is 1500, configured 1400',
      'eth0 all-multicast mode is off, configured on',
      'eth0 transmit queue length is 1000, configured 5',
    ]);
  });
  it('fails a link in promiscuous mode when promisc is not asked for, as Go\'s CHECK', () => {
    expect(differences(cfg({}), { ...link, promisc: true }, [])).toEqual(['eth0 promiscuous mode is on, configured off']);
  });
});
