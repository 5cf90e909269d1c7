import { describe, expect, it } from 'vitest';
import { leftovers, type NodeState } from './node-state.ts';

const base: NodeState = {
  links: ['veth:vethA'],
  reservations: ['net/10.244.1.2'],
  cache: ['net-a-eth0'],
  netns: ['cni-a'],
  processes: ['10(containerd-shim)'],
  ruleset: '*filter\n:CNI-FORWARD - [0:0]\nCOMMIT',
};

describe('leftovers', () => {
  const refs = { ids: ['sandbox-b'], ips: ['10.244.1.3'], hostPorts: [30080] };

  it('finds nothing when the node is as before', () => {
    expect(leftovers(base, base, refs)).toEqual([]);
  });

  it('names every kind of trace the removed pods left', () => {
    const after: NodeState = {
      links: [...base.links, 'ifb:bwp1'],
      reservations: [...base.reservations, 'net/10.244.1.3'],
      cache: [...base.cache, 'net-sandbox-b-eth0'],
      netns: [...base.netns, 'cni-b'],
      processes: [...base.processes, '11(pause)'],
      ruleset: '*filter\n:CNI-FORWARD - [0:0]\n-A CNI-FORWARD -d 10.244.1.3/32 -j ACCEPT\nCOMMIT',
    };
    const out = leftovers(base, after, refs);
    expect(out.map((l) => l.split(':')[0])).toEqual(['links', 'reservations', 'cache entries', 'netns', 'processes', 'rules naming the pods', 'rules added']);
  });

  it('ignores new shared chains unless strict', () => {
    const after = { ...base, ruleset: '*filter\n:CNI-FORWARD - [0:0]\n:CNI-HOSTPORT-DNAT - [0:0]\nCOMMIT' };
    expect(leftovers(base, after, refs, false)).toEqual([]);
    expect(leftovers(base, after, refs, true)[0]).toMatch(/rules added: :CNI-HOSTPORT-DNAT/);
  });

  it('does not count what went away', () => {
    expect(leftovers(base, { ...base, links: [], netns: [] }, refs)).toEqual([]);
  });
});
