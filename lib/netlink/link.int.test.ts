/**
 * Kernel tests of links: create, read, change, rename and delete, the kernel's error texts,
 * and a large dump. The two namespaces they work in: test-namespaces.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AF_UNSPEC, IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINKINFO, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK } from './constants.ts';
import { encodeIfInfoMsg } from './headers.ts';
import { createBridge, createVeth, deleteLink, getLink, listLinks, setLink, setLinkDown, setLinkMaster } from './index.ts';
import type { NetlinkSocket } from './socket.ts';
import { type NamespacePair, ipJson, isRoot, median, namespacePairNames, openNamespacePair, removeNamespacePair, thrown } from './test-namespaces.ts';
import { nestedAttr, stringAttr } from './wire.ts';

const { H, C } = namespacePairNames();
let pair: NamespacePair | undefined;
let host: NetlinkSocket;

describe.skipIf(!isRoot)('lib/netlink links against the kernel', () => {
  beforeAll(() => {
    pair = openNamespacePair(H, C);
    ({ host } = pair);
  });

  afterAll(() => removeNamespacePair(H, C, pair));

  describe('links', () => {
    it('createBridge creates a bridge and a second create fails with EEXIST', () => {
      const br = createBridge(host, { name: 'br0', mtu: 1400 });
      expect(br.kind).toBe('bridge');
      expect(br.mtu).toBe(1400);
      expect(br.index).toBeGreaterThan(1);
      const [shown] = ipJson<{ mtu: number; linkinfo: { info_kind: string } }>(H, '-d', 'link', 'show', 'br0');
      expect(shown?.linkinfo.info_kind).toBe('bridge');
      expect(shown?.mtu).toBe(1400);
      const err = thrown(() => createBridge(host, { name: 'br0' }));
      expect(err.code).toBe('EEXIST');
      expect(err.errno).toBe(17);
    });

    it('getLink finds links by name and index and returns undefined when absent', () => {
      const lo = getLink(host, 'lo');
      expect(lo?.index).toBe(1);
      expect(getLink(host, 1)?.name).toBe('lo');
      expect(getLink(host, 'nosuchlink')).toBeUndefined();
      expect(getLink(host, 99999)).toBeUndefined();
    });

    it('setLink changes up, mtu, mac, promisc and master, as ip -j shows', () => {
      const br = getLink(host, 'br0');
      createVeth(host, { name: 'vs0', peer: { name: 'vs1' } });
      setLink(host, 'vs0', { mtu: 1300, mac: '02:00:00:aa:bb:cc', promisc: true, master: br?.index ?? 0, up: true });
      const [shown] = ipJson<{ mtu: number; address: string; flags: string[]; master?: string }>(H, 'link', 'show', 'vs0');
      expect(shown?.mtu).toBe(1300);
      expect(shown?.address).toBe('02:00:00:aa:bb:cc');
      expect(shown?.flags).toEqual(expect.arrayContaining(['UP', 'PROMISC']));
      expect(shown?.master).toBe('br0');
      const link = getLink(host, 'vs0');
      expect(link).toMatchObject({ up: true, promisc: true, mtu: 1300, mac: '02:00:00:aa:bb:cc', master: br?.index, kind: 'veth', slaveKind: 'bridge' });

      setLink(host, 'vs0', { promisc: false });
      setLinkMaster(host, 'vs0', null);
      setLinkDown(host, 'vs0');
      const after = getLink(host, 'vs0');
      expect(after).toMatchObject({ up: false, promisc: false, master: undefined });
      const [again] = ipJson<{ flags: string[]; master?: string }>(H, 'link', 'show', 'vs0');
      expect(again?.flags).not.toContain('UP');
      expect(again?.master).toBeUndefined();
    });

    it('setLink renames a link addressed by name', () => {
      createVeth(host, { name: 'rn0', peer: { name: 'rn1' } });
      setLink(host, 'rn0', { name: 'rn0new' });
      expect(getLink(host, 'rn0')).toBeUndefined();
      expect(getLink(host, 'rn0new')?.kind).toBe('veth');
      expect(deleteLink(host, 'rn0new')).toBe(true);
    });

    it('deleteLink reports an absent link as gone (false) rather than throwing', () => {
      createVeth(host, { name: 'del0', peer: { name: 'del1' } });
      expect(deleteLink(host, 'del0')).toBe(true);
      expect(getLink(host, 'del1')).toBeUndefined();
      expect(deleteLink(host, 'del0')).toBe(false);
      expect(deleteLink(host, 99999)).toBe(false);
    });

    it('puts the kernel ext-ack text into the error for an unknown link kind', () => {
      const err = thrown(() =>
        host.request({
          type: RTM_NEWLINK,
          flags: NLM_F_CREATE | NLM_F_EXCL,
          header: encodeIfInfoMsg({ family: AF_UNSPEC }),
          attrs: [stringAttr(IFLA_IFNAME, 'weird0'), nestedAttr(IFLA_LINKINFO, [stringAttr(IFLA_INFO_KIND, 'cnits-no-such-kind')])],
          what: 'create link weird0',
        }),
      );
      expect(err.code).toBe('EOPNOTSUPP');
      expect(err.extAck).toMatch(/Unknown device type/);
      expect(err.message).toContain('create link weird0');
      expect(err.message).toContain('Unknown device type');
    });

    it('an invalid MTU fails with EINVAL and a kernel explanation', () => {
      const err = thrown(() => setLink(host, 'br0', { mtu: 10 }));
      expect(err.code).toBe('EINVAL');
      expect(err.extAck).toBeTruthy();
    });
  });

  describe('dumps', () => {
    it('lists many links (50 veth pairs) and measures a 100+-link dump', () => {
      for (let i = 0; i < 50; i++) createVeth(host, { name: `m${i}a`, peer: { name: `m${i}b` } });
      const links = listLinks(host);
      const names = new Set(links.map((l) => l.name));
      for (let i = 0; i < 50; i++) {
        expect(names.has(`m${i}a`)).toBe(true);
        expect(names.has(`m${i}b`)).toBe(true);
      }
      const shown = ipJson(H, 'link', 'show');
      expect(links.length).toBe(shown.length);
      expect(links.length).toBeGreaterThanOrEqual(100);
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = process.hrtime.bigint();
        listLinks(host);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      console.log(`[measure] listLinks of ${links.length} links, n=20: median ${median(times).toFixed(3)} ms, min ${Math.min(...times).toFixed(3)} ms`);
    });
  });
});
