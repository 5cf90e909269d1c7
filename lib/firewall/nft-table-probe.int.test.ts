import { afterAll, describe, expect, it } from 'vitest';
import { withNetns } from '../netns/index.ts';
import { createNamespace, isRoot, removeAllNamespaces } from '../testing/index.ts';
import { nftTableMayExist } from './nft-table-probe.ts';

describe.skipIf(!isRoot())('nftTableMayExist (real netns)', () => {
  afterAll(removeAllNamespaces);

  it('is false for an absent table and true once it exists, per family', () => {
    const ns = createNamespace('nftprobe');
    const probe = (family: 'inet' | 'bridge', name: string) => withNetns(ns.path, () => nftTableMayExist({ family, name }));
    expect(probe('inet', 'cni_plugins_masquerade')).toBe(false);
    ns.exec(['nft', 'add', 'table', 'inet', 'cni_plugins_masquerade']);
    expect(probe('inet', 'cni_plugins_masquerade')).toBe(true);
    expect(probe('bridge', 'cni_plugins_masquerade')).toBe(false);
    ns.exec(['nft', 'add', 'table', 'bridge', 'nat']);
    expect(probe('bridge', 'nat')).toBe(true);
    ns.remove();
  });
});
