import { describe, expect, it } from 'vitest';
import { clusterPlan, hostGwRoutes, nodeOfPodIp, vxlanCommands, vxlanRoutes } from './topology.ts';

describe('clusterPlan', () => {
  const plan = clusterPlan(3);

  it('gives each node an underlay address, a /24 pod range with its gateway and an overlay address', () => {
    expect(plan.nodes.map((n) => [n.name, n.underlayIp, n.podCidr, n.podGateway, n.vxlanIp])).toEqual([
      ['node1', '192.0.2.11', '10.244.1.0/24', '10.244.1.1', '10.245.0.1'],
      ['node2', '192.0.2.12', '10.244.2.0/24', '10.244.2.1', '10.245.0.2'],
      ['node3', '192.0.2.13', '10.244.3.0/24', '10.244.3.1', '10.245.0.3'],
    ]);
    expect(plan.underlayMtu).toBeGreaterThanOrEqual(1550);
  });

  it('rejects impossible node counts', () => {
    expect(() => clusterPlan(0)).toThrow(/out of 1..250/);
    expect(() => clusterPlan(251)).toThrow(/out of 1..250/);
  });

  it('host-gw routes every other range via that node\'s underlay address', () => {
    expect(hostGwRoutes(plan, plan.nodes[1]!)).toEqual([
      { dst: '10.244.1.0/24', via: '192.0.2.11', dev: 'eth0' },
      { dst: '10.244.3.0/24', via: '192.0.2.13', dev: 'eth0' },
    ]);
  });

  it('vxlan routes every other range via that node\'s overlay address on the vxlan device', () => {
    expect(vxlanRoutes(plan, plan.nodes[0]!)).toEqual([
      { dst: '10.244.2.0/24', via: '10.245.0.2', dev: 'vxlan0' },
      { dst: '10.244.3.0/24', via: '10.245.0.3', dev: 'vxlan0' },
    ]);
  });

  it('makes a unicast vxlan with one flood entry per peer, never itself', () => {
    const cmds = vxlanCommands(plan, plan.nodes[2]!);
    expect(cmds[0]).toEqual(['ip', 'link', 'add', 'vxlan0', 'type', 'vxlan', 'id', '4242', 'dstport', '4789', 'local', '192.0.2.13', 'dev', 'eth0']);
    const fdb = cmds.filter((c) => c[0] === 'bridge').map((c) => c.at(-1));
    expect(fdb).toEqual(['192.0.2.11', '192.0.2.12']);
    expect(cmds.at(-2)).toEqual(['ip', 'addr', 'add', '10.245.0.3/24', 'dev', 'vxlan0']);
  });

  it('finds the node of a pod IP', () => {
    expect(nodeOfPodIp(plan, '10.244.2.77')?.name).toBe('node2');
    expect(nodeOfPodIp(plan, '10.246.1.2')).toBeUndefined();
  });
});
