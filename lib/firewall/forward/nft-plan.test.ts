import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIp } from '../../addr/index.ts';
import { parseNftListing } from '../nft-json.ts';
import { gcHandles, nftMissing, nftSetupScript, ownerHandles } from './nft-plan.ts';
import type { ForwardSpec } from './types.ts';

// The fixture is `nft -j -a list table inet cni_plugins_firewall` after our ADD of
// c1/eth0 in network n1 (10.78.0.5, fd00::5), ingressPolicy isolated on bridge br-a.
const LISTING = parseNftListing(readFileSync(new URL('./nft-listing.fixture.json', import.meta.url), 'utf8'));
const EMPTY = { chains: [], rules: [] };

const spec = (extra: Partial<ForwardSpec> = {}): ForwardSpec => ({
  network: 'n1',
  containerId: 'c1',
  ifname: 'eth0',
  ips: [parseIp('10.78.0.5'), parseIp('fd00::5')],
  adminChain: 'CNI-ADMIN',
  isolation: { policy: 'isolated', bridge: 'br-a' },
  ...extra,
});

describe('nftSetupScript', () => {
  it('on a node without the table writes the table, the chains, the base jumps (isolation first) and the rules', () => {
    const lines = nftSetupScript(spec(), EMPTY).trimEnd().split('\n');
    const owner = '"43d91f8451058a70-f4d01f2ef4b92245, net: n1, if: eth0, id: c1"';
    expect(lines).toEqual([
      'add table inet cni_plugins_firewall { comment "CNI firewall plugin (cni-ts): per-pod forward accepts and bridge isolation" ; }',
      'add chain inet cni_plugins_firewall CNI-FORWARD',
      'add chain inet cni_plugins_firewall CNI-ADMIN',
      'add chain inet cni_plugins_firewall CNI-ISOLATION-STAGE-1',
      'add chain inet cni_plugins_firewall CNI-ISOLATION-STAGE-2',
      'add chain inet cni_plugins_firewall forward { type filter hook forward priority filter ; policy accept ; }',
      'flush chain inet cni_plugins_firewall forward',
      'add rule inet cni_plugins_firewall forward jump CNI-ISOLATION-STAGE-1',
      'add rule inet cni_plugins_firewall forward jump CNI-FORWARD',
      'insert rule inet cni_plugins_firewall CNI-FORWARD jump CNI-ADMIN comment "CNI firewall plugin admin overrides"',
      `add rule inet cni_plugins_firewall CNI-FORWARD ip daddr 10.78.0.5 ct state established,related accept comment ${owner}`,
      `add rule inet cni_plugins_firewall CNI-FORWARD ip saddr 10.78.0.5 accept comment ${owner}`,
      `add rule inet cni_plugins_firewall CNI-FORWARD ip6 daddr fd00::5 ct state established,related accept comment ${owner}`,
      `add rule inet cni_plugins_firewall CNI-FORWARD ip6 saddr fd00::5 accept comment ${owner}`,
      'add rule inet cni_plugins_firewall CNI-ISOLATION-STAGE-1 iifname "br-a" oifname != "br-a" jump CNI-ISOLATION-STAGE-2 comment "CNI firewall plugin rules (ingressPolicy: isolated)"',
      'add rule inet cni_plugins_firewall CNI-ISOLATION-STAGE-1 iifname "br-a" oifname "br-a" drop comment "CNI firewall plugin rules (ingressPolicy: isolated)"',
      'add rule inet cni_plugins_firewall CNI-ISOLATION-STAGE-2 oifname "br-a" drop comment "CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)"',
    ]);
  });

  it('a repeated ADD replaces the owner\'s rules by handle and adds no shared rule twice', () => {
    const lines = nftSetupScript(spec(), LISTING).trimEnd().split('\n');
    const handles = ownerHandles(LISTING, spec());
    expect(handles).toHaveLength(4);
    for (const h of handles) expect(lines).toContain(`delete rule inet cni_plugins_firewall CNI-FORWARD handle ${h}`);
    expect(lines.filter((l) => l.startsWith('flush') || l.startsWith('insert') || l.includes('ISOLATION-STAGE-1 iif') || l.includes('STAGE-2 oif'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('add rule'))).toHaveLength(4);
  });

  it('another pod on another bridge adds its rules and its bridge\'s rules only', () => {
    const lines = nftSetupScript(spec({ containerId: 'c2', ips: [parseIp('10.79.0.5')], isolation: { policy: 'same-bridge', bridge: 'br-b' } }), LISTING);
    expect(lines).not.toContain('delete rule');
    expect(lines).toContain('add rule inet cni_plugins_firewall CNI-ISOLATION-STAGE-2 oifname "br-b" drop');
    expect(lines).not.toContain('"br-b" drop comment "CNI firewall plugin rules (ingressPolicy: isolated)"');
  });
});

describe('nftMissing', () => {
  it('finds everything in the listing ADD left', () => {
    expect(nftMissing(spec(), LISTING)).toEqual([]);
  });

  it('names what another pod would need', () => {
    expect(nftMissing(spec({ containerId: 'c2', ips: [parseIp('10.78.0.5')], isolation: { policy: 'same-bridge', bridge: 'br-a' } }), LISTING)).toEqual([
      'rule inet cni_plugins_firewall CNI-FORWARD ip daddr 10.78.0.5 ct state established,related accept',
      'rule inet cni_plugins_firewall CNI-FORWARD ip saddr 10.78.0.5 accept',
      'rule inet cni_plugins_firewall CNI-ISOLATION-STAGE-1 iifname "br-a" oifname != "br-a" jump CNI-ISOLATION-STAGE-2',
    ]);
    expect(nftMissing(spec(), EMPTY)[0]).toMatch(/^base chain/);
  });
});

describe('owner and GC handles', () => {
  it('ownerHandles finds only the attachment\'s rules', () => {
    expect(ownerHandles(LISTING, spec({ ifname: 'eth1' }))).toEqual([]);
  });

  it('gcHandles removes the network\'s rules of attachments not valid, never another network\'s', () => {
    expect(gcHandles(LISTING, 'n1', [{ containerId: 'c1', ifname: 'eth0' }])).toEqual([]);
    expect(gcHandles(LISTING, 'n1', [])).toEqual(ownerHandles(LISTING, spec()));
    expect(gcHandles(LISTING, 'n2', [])).toEqual([]);
  });
});
