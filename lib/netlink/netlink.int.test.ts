/**
 * Kernel tests for lib/netlink. Everything happens in two throwaway namespaces (H, host-like
 * and C, container-like); sockets are opened inside them by a briefly entered setns that is
 * always undone, so the root netns is never touched. lib/netns is not imported here
 * (netlink sits below netns); its own tests cover routeSocketIn.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLONE_NEWNET, setns } from '../sys/index.ts';
import {
  AF_UNSPEC,
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RTM_NEWLINK,
} from './constants.ts';
import { NetlinkError } from './errors.ts';
import {
  addAddress,
  addBridgeVlan,
  addRoute,
  createBridge,
  createVeth,
  deleteAddress,
  deleteBridgeVlan,
  deleteLink,
  deleteRoute,
  getBridgeInfo,
  getBridgePort,
  getLink,
  listAddresses,
  listBridgeVlans,
  listLinks,
  listRoutes,
  setBridgeOptions,
  setBridgePortFlags,
  setLink,
  setLinkDown,
  setLinkMaster,
  setLinkUp,
} from './index.ts';
import { NetlinkSocket } from './socket.ts';
import { nestedAttr, stringAttr } from './wire.ts';
import { encodeIfInfoMsg } from './headers.ts';

const isRoot = process.getuid?.() === 0;
const suffix = randomBytes(3).toString('hex');
const H = `cnits-nl-${suffix}h`;
const C = `cnits-nl-${suffix}c`;

let host: NetlinkSocket;
let ctr: NetlinkSocket;
let hostNsFd: number;
let ctrNsFd: number;

function socketIn(ns: string): NetlinkSocket {
  const self = fs.openSync('/proc/thread-self/ns/net', 'r');
  const target = fs.openSync(`/run/netns/${ns}`, 'r');
  try {
    setns(target, CLONE_NEWNET);
    try {
      return NetlinkSocket.open();
    } finally {
      setns(self, CLONE_NEWNET);
    }
  } finally {
    fs.closeSync(self);
    fs.closeSync(target);
  }
}

function ip(ns: string, ...args: string[]): string {
  return execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function ipJson<T = Record<string, unknown>>(ns: string, ...args: string[]): T[] {
  return JSON.parse(ip(ns, '-j', ...args)) as T[];
}

function thrown(fn: () => unknown): NetlinkError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NetlinkError) return err;
    throw err;
  }
  throw new Error('expected a NetlinkError');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function vlanFilteringSupported(sock: NetlinkSocket): boolean {
  try {
    createBridge(sock, { name: 'vlprobe', vlanFiltering: true });
    deleteLink(sock, 'vlprobe');
    return true;
  } catch (err) {
    if (err instanceof NetlinkError && err.code === 'EOPNOTSUPP') return false;
    throw err;
  }
}

describe.skipIf(!isRoot)('lib/netlink against the kernel', () => {
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', H]);
    execFileSync('ip', ['netns', 'add', C]);
    host = socketIn(H);
    ctr = socketIn(C);
    hostNsFd = fs.openSync(`/run/netns/${H}`, 'r');
    ctrNsFd = fs.openSync(`/run/netns/${C}`, 'r');
  });

  afterAll(() => {
    host?.close();
    ctr?.close();
    for (const fd of [hostNsFd, ctrNsFd]) if (fd !== undefined) fs.closeSync(fd);
    for (const ns of [H, C]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
  });

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

  describe('bridge ports', () => {
    it('sets and reads back hairpin and isolated, as bridge -d -j link shows', () => {
      const br = getLink(host, 'br0');
      createVeth(host, { name: 'hp0', peer: { name: 'hp1' } });
      setLinkMaster(host, 'hp0', br?.index ?? 0);
      expect(getBridgePort(host, 'hp0')).toMatchObject({ hairpin: false, isolated: false, master: br?.index });

      setBridgePortFlags(host, 'hp0', { hairpin: true, isolated: true });
      expect(getBridgePort(host, 'hp0')).toMatchObject({ hairpin: true, isolated: true });
      const [shown] = JSON.parse(
        execFileSync('ip', ['netns', 'exec', H, 'bridge', '-d', '-j', 'link', 'show', 'dev', 'hp0'], { encoding: 'utf8' }),
      ) as Array<{ hairpin: boolean; isolated: boolean }>;
      expect(shown).toMatchObject({ hairpin: true, isolated: true });

      const index = getLink(host, 'hp0')?.index ?? 0;
      setBridgePortFlags(host, index, { hairpin: false });
      expect(getBridgePort(host, index)).toMatchObject({ hairpin: false, isolated: true });
    });

    it('setBridgePortFlags on a link that is not a bridge port fails', () => {
      createVeth(host, { name: 'np0', peer: { name: 'np1' } });
      expect(() => setBridgePortFlags(host, 'np0', { hairpin: true })).toThrow(NetlinkError);
      expect(getBridgePort(host, 'np0')).toBeUndefined();
    });

    it('getBridgeInfo reports VLAN filtering off for a plain bridge and undefined for a veth', () => {
      expect(getBridgeInfo(host, 'br0')).toMatchObject({ vlanFiltering: false });
      expect(getBridgeInfo(host, 'np0')).toBeUndefined();
      expect(getBridgeInfo(host, 'nosuch')).toBeUndefined();
    });

    it('VLAN filtering and port VLANs add/list/delete (skipped when the kernel lacks CONFIG_BRIDGE_VLAN_FILTERING)', (ctx) => {
      if (!vlanFilteringSupported(host)) {
        ctx.skip('kernel built without CONFIG_BRIDGE_VLAN_FILTERING: creating a vlan_filtering bridge fails with EOPNOTSUPP');
        return;
      }
      const br1 = createBridge(host, { name: 'br1', vlanFiltering: true });
      expect(getBridgeInfo(host, 'br1')).toMatchObject({ vlanFiltering: true });
      createVeth(host, { name: 'vv0', peer: { name: 'vv1' } });
      setLinkMaster(host, 'vv0', br1.index);
      addBridgeVlan(host, 'vv0', { vid: 100, pvid: true, untagged: true });
      addBridgeVlan(host, 'vv0', { vid: 200 });
      const vlans = listBridgeVlans(host, 'vv0');
      expect(vlans).toEqual(expect.arrayContaining([{ vid: 100, pvid: true, untagged: true }, { vid: 200, pvid: false, untagged: false }]));
      const shown = execFileSync('bridge', ['-n', H, '-j', 'vlan', 'show', 'dev', 'vv0'], { encoding: 'utf8' });
      expect(shown).toContain('"vlan":100');
      expect(deleteBridgeVlan(host, 'vv0', { vid: 200 })).toBe(true);
      expect(listBridgeVlans(host, 'vv0').map((v) => v.vid)).not.toContain(200);
      expect(deleteBridgeVlan(host, 'vv0', { vid: 200 })).toBe(false);
      setBridgeOptions(host, 'br1', { vlanFiltering: false });
      expect(getBridgeInfo(host, 'br1')).toMatchObject({ vlanFiltering: false });
    });

    it('reports missing VLAN filtering support as EOPNOTSUPP with the kernel text (when unsupported)', (ctx) => {
      if (vlanFilteringSupported(host)) {
        ctx.skip('kernel supports VLAN filtering');
        return;
      }
      const err = thrown(() => createBridge(host, { name: 'brv', vlanFiltering: true }));
      expect(err.code).toBe('EOPNOTSUPP');
      expect(getLink(host, 'brv')).toBeUndefined();
    });
  });

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
