/**
 * Kernel tests of bridges: port flags (hairpin, isolated), bridge info and VLAN filtering.
 * The two namespaces they work in: test-namespaces.ts.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkError } from './errors.ts';
import {
  addBridgeVlan,
  createBridge,
  createVeth,
  deleteBridgeVlan,
  deleteLink,
  getBridgeInfo,
  getBridgePort,
  getLink,
  listBridgeVlans,
  setBridgeOptions,
  setBridgePortFlags,
  setLinkMaster,
} from './index.ts';
import type { NetlinkSocket } from './socket.ts';
import { type NamespacePair, isRoot, namespacePairNames, openNamespacePair, removeNamespacePair, thrown } from './test-namespaces.ts';

const { H, C } = namespacePairNames();
let pair: NamespacePair | undefined;
let host: NetlinkSocket;

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

describe.skipIf(!isRoot)('lib/netlink bridges against the kernel', () => {
  beforeAll(() => {
    pair = openNamespacePair(H, C);
    ({ host } = pair);
    createBridge(host, { name: 'br0' });
  });

  afterAll(() => removeNamespacePair(H, C, pair));

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
});
