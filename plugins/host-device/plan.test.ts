import { describe, expect, it } from 'vitest';
import { CniError } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';
import type { DeviceSelector } from './config.ts';
import { type NodeFacts, chooseDevice } from './plan.ts';

function link(index: number, name: string, extra: Partial<Link> = {}): Link {
  return {
    index, name, kind: 'veth', slaveKind: undefined, master: undefined, mtu: 1500, mac: `02:00:00:00:00:${index.toString(16).padStart(2, '0')}`,
    flags: 0, up: true, lowerUp: true, promisc: false, allmulti: false, txQueueLen: 1000, minMtu: 68, maxMtu: 65535, operstate: 'up',
    link: undefined, linkNetnsId: undefined, type: 1, ...extra,
  };
}

const LO = link(1, 'lo', { kind: undefined, type: 772, mac: '00:00:00:00:00:00' });
const ETH0 = link(2, 'eth0');
const ETH1 = link(3, 'eth1');
const BR = link(4, 'br0', { kind: 'bridge', mac: '02:00:00:00:00:05' });
const PORT = link(5, 'port0', { master: 4, slaveKind: 'bridge' });
const TWIN = link(6, 'twin', { mac: ETH1.mac });

function facts(extra: Partial<NodeFacts> = {}): NodeFacts {
  return { links: [LO, ETH0, ETH1, BR, PORT], defaultRouteDevices: [2], sysfsNames: () => undefined, ...extra };
}

const byName = (name: string): DeviceSelector => ({ by: 'name', key: 'device', name });

function refusal(selectors: DeviceSelector[], f: NodeFacts = facts()): string {
  try {
    chooseDevice(selectors, f);
  } catch (e) {
    if (e instanceof CniError && e.code === 7) return e.msg;
    throw e;
  }
  throw new Error('expected code 7');
}

describe('chooseDevice', () => {
  it('finds the device by name, MAC or sysfs entry', () => {
    expect(chooseDevice([byName('eth1')], facts()).index).toBe(3);
    expect(chooseDevice([{ by: 'mac', key: 'hwaddr', mac: ETH1.mac as string }], facts()).index).toBe(3);
    const sysfs = facts({ sysfsNames: () => ['eth1'] });
    expect(chooseDevice([{ by: 'pci', key: 'pciBusID', id: '0000:00:04.0' }], sysfs).index).toBe(3);
    expect(chooseDevice([{ by: 'kernelpath', key: 'kernelpath', path: '/sys/devices/x' }], sysfs).index).toBe(3);
  });

  it('refuses what does not exist, naming the key', () => {
    expect(refusal([byName('eth9')])).toBe('invalid device "eth9": no such device in the node\'s network namespace');
    expect(refusal([{ by: 'mac', key: 'hwaddr', mac: '02:99:00:00:00:00' }])).toMatch(/^invalid hwaddr "02:99:00:00:00:00": no device/);
    expect(refusal([{ by: 'pci', key: 'pciBusID', id: '0000:00:04.0' }])).toMatch(/^invalid pciBusID "0000:00:04.0": no network device under/);
    expect(refusal([{ by: 'pci', key: 'pciBusID', id: '0000:00:04.0' }], facts({ sysfsNames: () => ['ens4'] }))).toMatch(/its device ens4 is not in the node's network namespace/);
  });

  it('never guesses: a MAC or sysfs directory naming several devices, or keys naming different ones, is refused', () => {
    expect(refusal([{ by: 'mac', key: 'hwaddr', mac: ETH1.mac as string }], facts({ links: [LO, ETH1, TWIN] }))).toMatch(/several devices \(eth1, twin\)/);
    expect(refusal([{ by: 'kernelpath', key: 'kernelpath', path: '/sys/devices/virtual' }], facts({ sysfsNames: () => ['eth0', 'eth1', 'lo'] }))).toMatch(/several network devices under .*\(eth0, eth1, lo\)/);
    expect(refusal([byName('eth1'), { by: 'mac', key: 'hwaddr', mac: ETH0.mac as string }])).toBe('invalid hwaddr "02:00:00:00:00:02": it names eth0, but device names eth1');
  });

  it('refuses lo, a bridge port, a bridge and the only uplink', () => {
    expect(refusal([byName('lo')])).toMatch(/lo is the loopback device/);
    expect(refusal([byName('port0')])).toBe('invalid device "port0": port0 is a port of bridge br0');
    expect(refusal([byName('br0')])).toBe('invalid device "br0": br0 is a bridge with ports port0');
    expect(refusal([byName('eth0')])).toBe('invalid device "eth0": eth0 is the node\'s only uplink (it carries the node\'s default route)');
  });

  it('moves an uplink when another link carries a default route too, and any device of a node without one', () => {
    expect(chooseDevice([byName('eth0')], facts({ defaultRouteDevices: [2, 3] })).index).toBe(2);
    expect(chooseDevice([byName('eth0')], facts({ defaultRouteDevices: [] })).index).toBe(2);
    // an IPv4 and an IPv6 default route on the same link are still one uplink
    expect(refusal([byName('eth0')], facts({ defaultRouteDevices: [2, 2] }))).toMatch(/only uplink/);
  });
});
