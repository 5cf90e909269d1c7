/**
 * Kernel tests of veth pairs whose peer is born in the other namespace. The two namespaces
 * they work in: test-namespaces.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVeth, deleteLink, getLink } from './index.ts';
import type { NetlinkSocket } from './socket.ts';
import { type NamespacePair, ip, ipJson, isRoot, median, namespacePairNames, openNamespacePair, removeNamespacePair, thrown } from './test-namespaces.ts';

const { H, C } = namespacePairNames();
let pair: NamespacePair | undefined;
let host: NetlinkSocket;
let ctr: NetlinkSocket;
let hostNsFd: number;
let ctrNsFd: number;

describe.skipIf(!isRoot)('lib/netlink veth pairs against the kernel', () => {
  beforeAll(() => {
    pair = openNamespacePair(H, C);
    ({ host, ctr, hostNsFd, ctrNsFd } = pair);
  });

  afterAll(() => removeNamespacePair(H, C, pair));

  describe('veth peers born in another netns', () => {
    it('creates the peer directly in C from the host socket', () => {
      const vh = createVeth(host, {
        name: 'vh0',
        mtu: 1450,
        peer: { name: 'eth0', mac: '02:00:00:00:00:c0', netnsFd: ctrNsFd },
      });
      expect(vh.kind).toBe('veth');
      expect(vh.mtu).toBe(1450);
      expect(vh.linkNetnsId).toBeDefined();
      const [peer] = ipJson<{ ifindex: number; mtu: number; address: string }>(C, 'link', 'show', 'eth0');
      expect(peer?.address).toBe('02:00:00:00:00:c0');
      expect(peer?.mtu).toBe(1450); // peer MTU defaults to the first end's
      expect(vh.link).toBe(peer?.ifindex);
      expect(getLink(host, 'eth0')).toBeUndefined();
      const inC = getLink(ctr, 'eth0');
      expect(inC?.index).toBe(peer?.ifindex);
      expect(inC?.link).toBe(vh.index);
    });

    it('creates the peer in H from a socket opened inside C (the bridge ADD direction)', () => {
      const eth1 = createVeth(ctr, { name: 'eth1', peer: { name: 'vc1', netnsFd: hostNsFd } });
      const [hostEnd] = ipJson<{ ifindex: number }>(H, 'link', 'show', 'vc1');
      expect(hostEnd?.ifindex).toBe(eth1.link);
      expect(ipJson(C, 'link', 'show', 'eth1')).toHaveLength(1);
      expect(() => ip(C, 'link', 'show', 'vc1')).toThrow();
    });

    it('fails with EEXIST when the peer name is taken in the target netns', () => {
      const err = thrown(() => createVeth(host, { name: 'vh9', peer: { name: 'eth0', netnsFd: ctrNsFd } }));
      expect(err.code).toBe('EEXIST');
      expect(getLink(host, 'vh9')).toBeUndefined();
    });

    it('measures veth creation with the peer in the other netns', () => {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = process.hrtime.bigint();
        createVeth(host, { name: `tm${i}`, peer: { name: `tp${i}`, netnsFd: ctrNsFd } });
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      for (let i = 0; i < 20; i++) expect(deleteLink(host, `tm${i}`)).toBe(true);
      expect(ipJson(C, 'link', 'show').some((l) => String(l['ifname']).startsWith('tp'))).toBe(false);
      console.log(`[measure] createVeth (peer in other netns, incl. read-back), n=20: median ${median(times).toFixed(3)} ms, min ${Math.min(...times).toFixed(3)} ms, max ${Math.max(...times).toFixed(3)} ms`);
      expect(median(times)).toBeLessThan(50);
    });
  });
});
