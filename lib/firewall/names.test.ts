import { describe, expect, it } from 'vitest';
import { masqChainName, masqComment, portmapDnatChainName } from './names.ts';

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
