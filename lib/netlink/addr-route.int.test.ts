/**
 * Kernel tests of addresses and routes on a container interface (eth0 in C, its peer vh0 in
 * H). The two namespaces they work in: test-namespaces.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from './constants.ts';
import { addAddress, addRoute, createVeth, deleteAddress, deleteRoute, getLink, listAddresses, listRoutes, setLinkUp } from './index.ts';
import type { NetlinkSocket } from './socket.ts';
import { type NamespacePair, ipJson, isRoot, namespacePairNames, openNamespacePair, removeNamespacePair, thrown } from './test-namespaces.ts';

const { H, C } = namespacePairNames();
let pair: NamespacePair | undefined;
let host: NetlinkSocket;
let ctr: NetlinkSocket;
let ctrNsFd: number;

describe.skipIf(!isRoot)('lib/netlink addresses and routes against the kernel', () => {
  beforeAll(() => {
    pair = openNamespacePair(H, C);
    ({ host, ctr, ctrNsFd } = pair);
    createVeth(host, { name: 'vh0', peer: { name: 'eth0', netnsFd: ctrNsFd } });
  });

  afterAll(() => removeNamespacePair(H, C, pair));

  describe('addresses', () => {
    it('adds, lists and deletes IPv4 and IPv6 addresses', () => {
      const eth0 = getLink(ctr, 'eth0');
      const index = eth0?.index ?? 0;
      addAddress(ctr, index, { address: '10.99.0.2', prefixLen: 24 });
      addAddress(ctr, index, { address: '2001:db8:99::2', prefixLen: 64, noDad: true });
      addAddress(ctr, index, { address: '2001:db8:98::2', prefixLen: 64 });
      const addrs = listAddresses(ctr, { index });
      expect(addrs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ family: 4, address: '10.99.0.2', prefixLen: 24, scope: RT_SCOPE_UNIVERSE, index }),
          expect.objectContaining({ family: 6, address: '2001:db8:99::2', prefixLen: 64, tentative: false }),
          expect.objectContaining({ family: 6, address: '2001:db8:98::2', tentative: true, dadFailed: false }),
        ]),
      );
      expect(listAddresses(ctr, { index, family: 4 }).every((a) => a.family === 4)).toBe(true);
      expect(listAddresses(ctr, { index: 1 }).some((a) => a.address === '10.99.0.2')).toBe(false);

      const [shown] = ipJson<{ addr_info: Array<{ local: string; prefixlen: number; broadcast?: string }> }>(C, 'addr', 'show', 'dev', 'eth0');
      const v4 = shown?.addr_info.find((a) => a.local === '10.99.0.2');
      expect(v4).toMatchObject({ prefixlen: 24, broadcast: '10.99.0.255' });
      expect(shown?.addr_info.some((a) => a.local === '2001:db8:99::2')).toBe(true);

      expect(thrown(() => addAddress(ctr, index, { address: '10.99.0.2', prefixLen: 24 })).code).toBe('EEXIST');
      expect(deleteAddress(ctr, index, { address: '2001:db8:98::2', prefixLen: 64 })).toBe(true);
      expect(deleteAddress(ctr, index, { address: '2001:db8:98::2', prefixLen: 64 })).toBe(false);
      expect(deleteAddress(ctr, 99999, { address: '10.99.0.9', prefixLen: 24 })).toBe(false);
      expect(listAddresses(ctr, { index }).some((a) => a.address === '2001:db8:98::2')).toBe(false);
    });
  });

  describe('routes', () => {
    beforeAll(() => {
      setLinkUp(ctr, 'eth0');
      setLinkUp(host, 'vh0');
      addAddress(host, getLink(host, 'vh0')?.index ?? 0, { address: '10.99.0.1', prefixLen: 24 });
    });

    it('adds, lists and deletes a default route via a gateway', () => {
      const oif = getLink(ctr, 'eth0')?.index ?? 0;
      addRoute(ctr, { dst: '0.0.0.0/0', gateway: '10.99.0.1' });
      const def = listRoutes(ctr, { family: 4 }).find((r) => r.dst === '0.0.0.0/0');
      expect(def).toMatchObject({ gateway: '10.99.0.1', oif, table: 254, scope: RT_SCOPE_UNIVERSE, protocol: 3 });
      const [shown] = ipJson<{ dst: string; gateway: string; dev: string }>(C, 'route', 'show', 'default');
      expect(shown).toMatchObject({ dst: 'default', gateway: '10.99.0.1', dev: 'eth0' });

      const err = thrown(() => addRoute(ctr, { dst: '0.0.0.0/0', gateway: '10.99.0.1' }));
      expect(err.code).toBe('EEXIST');

      expect(deleteRoute(ctr, { dst: '0.0.0.0/0', gateway: '10.99.0.1' })).toBe(true);
      expect(deleteRoute(ctr, { dst: '0.0.0.0/0', gateway: '10.99.0.1' })).toBe(false);
      expect(ipJson(C, 'route', 'show', 'default')).toEqual([]);
    });

    it('adds a route with metric, mtu and advmss, and a link-scope route without gateway', () => {
      const oif = getLink(ctr, 'eth0')?.index ?? 0;
      addRoute(ctr, { dst: '10.200.0.0/16', gateway: '10.99.0.1', priority: 50, mtu: 1300, advmss: 1200 });
      addRoute(ctr, { dst: '10.201.0.0/24', oif });
      const routes = listRoutes(ctr, { family: 4, oif });
      expect(routes.find((r) => r.dst === '10.200.0.0/16')).toMatchObject({ priority: 50, mtu: 1300, advmss: 1200 });
      expect(routes.find((r) => r.dst === '10.201.0.0/24')).toMatchObject({ scope: RT_SCOPE_LINK, gateway: undefined });
      const [shown] = ipJson<{ metric: number; metrics: Array<Record<string, number>> }>(C, 'route', 'show', '10.200.0.0/16');
      expect(shown?.metric).toBe(50);
      expect(shown?.metrics).toEqual(expect.arrayContaining([expect.objectContaining({ mtu: 1300 })]));
      expect(deleteRoute(ctr, { dst: '10.200.0.0/16', gateway: '10.99.0.1', priority: 50 })).toBe(true);
      expect(deleteRoute(ctr, { dst: '10.201.0.0/24', oif })).toBe(true);
    });

    it('reports an unreachable gateway with the kernel text', () => {
      const err = thrown(() => addRoute(ctr, { dst: '10.202.0.0/16', gateway: '192.0.2.1' }));
      expect(err.code).toBe('ENETUNREACH');
      expect(err.message).toContain('10.202.0.0/16 via 192.0.2.1');
    });

    it('handles IPv6 routes', () => {
      const oif = getLink(ctr, 'eth0')?.index ?? 0;
      addRoute(ctr, { dst: '2001:db8:abcd::/48', gateway: '2001:db8:99::1', oif, priority: 10 });
      const r = listRoutes(ctr, { family: 6 }).find((x) => x.dst === '2001:db8:abcd::/48');
      expect(r).toMatchObject({ family: 6, gateway: '2001:db8:99::1', oif, priority: 10 });
      expect(ipJson(C, '-6', 'route', 'show', '2001:db8:abcd::/48')).toHaveLength(1);
      expect(deleteRoute(ctr, { dst: '2001:db8:abcd::/48', gateway: '2001:db8:99::1' })).toBe(true);
      expect(deleteRoute(ctr, { dst: '2001:db8:abcd::/48' })).toBe(false);
    });
  });
});
