import { describe, expect, it } from 'vitest';
import { IFF_LOOPBACK, type Link } from '../netlink/index.ts';
import { checkParent, childMtu, parentProblem } from './parent.ts';

function link(over: Partial<Link>): Link {
  return {
    index: 2, name: 'eth1', kind: undefined, slaveKind: undefined, master: undefined, mtu: 1500, mac: '02:00:00:00:00:01', flags: 0,
    up: true, lowerUp: true, promisc: false, allmulti: false, txQueueLen: 1000, minMtu: 68, maxMtu: 65535, operstate: 'up',
    link: undefined, linkNetnsId: undefined, type: 1, ...over,
  };
}

describe('parentProblem', () => {
  it('accepts an Ethernet device, a veth and a bridge itself', () => {
    expect(parentProblem(link({}), 'macvlan')).toBeUndefined();
    expect(parentProblem(link({ kind: 'veth' }), 'ipvlan')).toBeUndefined();
    expect(parentProblem(link({ kind: 'bridge', name: 'br0' }), 'macvlan')).toBeUndefined();
  });

  it('refuses loopback, a non-Ethernet device and a bridge port, saying why', () => {
    expect(parentProblem(link({ name: 'lo', flags: IFF_LOOPBACK, type: 772 }), 'macvlan')).toBe('"lo" is the loopback device: a macvlan needs an Ethernet parent');
    expect(parentProblem(link({ name: 'tun0', type: 65534 }), 'ipvlan')).toBe('"tun0" is not an Ethernet device (link type 65534): an ipvlan needs one');
    expect(parentProblem(link({ name: 'veth1', master: 9, slaveKind: 'bridge' }), 'macvlan')).toMatch(/^"veth1" is a port of a bridge \(ifindex 9\)/);
  });

  it('checkParent is code 7 naming the master', () => {
    expect(() => checkParent(link({ name: 'lo', flags: IFF_LOOPBACK }), 'macvlan')).toThrow(expect.objectContaining({ code: 7, msg: 'invalid master "lo"' }));
  });
});

describe('childMtu', () => {
  it('0 or absent is the master\'s (undefined); 68 to the master\'s MTU is kept', () => {
    expect(childMtu(undefined, link({}))).toBeUndefined();
    expect(childMtu(0, link({}))).toBeUndefined();
    expect(childMtu(68, link({}))).toBe(68);
    expect(childMtu(1500, link({}))).toBe(1500);
  });

  it.each([67, 1501, 9000])('%d is code 7 naming the range and the master', (mtu) => {
    expect(() => childMtu(mtu, link({}))).toThrow(
      expect.objectContaining({ code: 7, msg: `invalid mtu ${mtu}`, details: 'expected 0 (the master\'s MTU) or an integer from 68 to 1500, the MTU of master "eth1"' }),
    );
  });
});
