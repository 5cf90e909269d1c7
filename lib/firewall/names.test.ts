import { describe, expect, it } from 'vitest';
import { masqChainName, masqComment, nftMasqComment, nftMasqInstanceHash, nftMasqNetworkHash, portmapDnatChainName } from './names.ts';

// Golden vectors measured from Debian's Go plugins (reference-benchmarks.md 3.1).
const pod1 = '87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06';

describe('firewall names', () => {
  it('masqChainName matches the Go bridge chain for a known pod', () => {
    expect(masqChainName('cnianchor-podnet', pod1)).toBe('CNI-66d74dc85eb823645cc98db0');
    expect(masqChainName('cnianchor-err', 'dup3')).toBe('CNI-4ba3d2f183104377c3e43ddb');
  });
  it('portmapDnatChainName matches the Go portmap chain and is 28 characters', () => {
    const name = portmapDnatChainName('cnianchor-podnet', pod1);
    expect(name).toBe('CNI-DN-66d74dc85eb823645cc98');
    expect(name).toHaveLength(28);
  });
  it('masqComment quotes network and container ID like Go', () => {
    expect(masqComment('n', 'c')).toBe('name: "n" id: "c"');
  });
});

// Golden vectors from the Go plugins' own test (pkg/ip/ipmasq_nftables_linux_test.go).
describe('nftables masquerade names', () => {
  it('nftMasqComment matches the Go comment for known attachments', () => {
    expect(nftMasqComment('unit-test', 'eth0', 'one')).toBe('6fd94d501e58f0aa-287fc69eff0574a2, net: unit-test, if: eth0, id: one');
    expect(nftMasqComment('unit-test', 'eth0', 'four')).toBe('6fd94d501e58f0aa-e766de567ef6c543, net: unit-test, if: eth0, id: four');
    expect(nftMasqComment('alternate', 'net1', 'three')).toBe('82783ef24bdc7036-acb19d111858e348, net: alternate, if: net1, id: three');
  });
  it('nftMasqInstanceHash is the comment prefix and nftMasqNetworkHash its first part', () => {
    expect(nftMasqInstanceHash('unit-test', 'eth0', 'two')).toBe('6fd94d501e58f0aa-d750b2c8f0f25d5f');
    expect(nftMasqNetworkHash('unit-test')).toBe('6fd94d501e58f0aa');
  });
  it('nftMasqComment is cut to 128 bytes and drops double quotes', () => {
    const long = nftMasqComment('n', 'eth0', 'x'.repeat(200));
    expect(long).toHaveLength(128);
    expect(long.startsWith(nftMasqInstanceHash('n', 'eth0', 'x'.repeat(200)))).toBe(true);
    expect(nftMasqComment('a"b', 'eth0', 'c')).toContain('net: ab,');
  });
});
