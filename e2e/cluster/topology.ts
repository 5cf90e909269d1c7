import { ipv4InSubnet } from '../conflist.ts';

// The cluster's addresses, all of our choosing and used only inside the run's namespaces: an
// underlay 192.0.2.0/24 (TEST-NET-1) between the nodes, one pod range 10.244.N.0/24 per node,
// an overlay link network 10.245.0.0/24 on the VXLAN devices, and on node 1 a second, isolated
// network 10.246.1.0/24 reached through its own runtime handler. Pure.

/** One node's plan. */
export interface NodePlan {
  /** 1-based. */
  readonly index: number;
  readonly name: string;
  /** Address on the underlay (eth0 of the node). */
  readonly underlayIp: string;
  /** The node's pod range. */
  readonly podCidr: string;
  /** The bridge's address in the pod range (pods' default gateway). */
  readonly podGateway: string;
  /** Address of the node's vxlan device on the overlay link network. */
  readonly vxlanIp: string;
}

/** The whole cluster. */
export interface ClusterPlan {
  readonly nodes: readonly NodePlan[];
  readonly underlayPrefix: number;
  /** MTU of the underlay: room for the 50 bytes of VXLAN encapsulation around 1500-byte pod packets. */
  readonly underlayMtu: number;
  readonly vxlan: { readonly device: string; readonly vni: number; readonly port: number; readonly prefix: number };
  /** The isolated second network (on node 1 only). */
  readonly isolated: { readonly node: number; readonly cidr: string; readonly gateway: string; readonly handler: string };
}

/** The plan for `count` nodes (1..250). */
export function clusterPlan(count: number): ClusterPlan {
  if (!Number.isInteger(count) || count < 1 || count > 250) throw new RangeError(`node count ${count} out of 1..250`);
  const nodes: NodePlan[] = [];
  for (let i = 1; i <= count; i++) {
    nodes.push({
      index: i,
      name: `node${i}`,
      underlayIp: `192.0.2.${10 + i}`,
      podCidr: `10.244.${i}.0/24`,
      podGateway: `10.244.${i}.1`,
      vxlanIp: `10.245.0.${i}`,
    });
  }
  return {
    nodes,
    underlayPrefix: 24,
    underlayMtu: 1550,
    vxlan: { device: 'vxlan0', vni: 4242, port: 4789, prefix: 24 },
    isolated: { node: 1, cidr: '10.246.1.0/24', gateway: '10.246.1.1', handler: 'isolated' },
  };
}

/** A route in a node's namespace. */
export interface RouteSpec {
  readonly dst: string;
  readonly via: string;
  readonly dev: string;
}

/** host-gw: each other node's pod range via that node's underlay address (pure). */
export function hostGwRoutes(plan: ClusterPlan, node: NodePlan): RouteSpec[] {
  return plan.nodes.filter((n) => n.index !== node.index).map((n) => ({ dst: n.podCidr, via: n.underlayIp, dev: 'eth0' }));
}

/** VXLAN: each other node's pod range via that node's overlay address on the vxlan device (pure). */
export function vxlanRoutes(plan: ClusterPlan, node: NodePlan): RouteSpec[] {
  return plan.nodes.filter((n) => n.index !== node.index).map((n) => ({ dst: n.podCidr, via: n.vxlanIp, dev: plan.vxlan.device }));
}

/**
 * The `ip`/`bridge` commands (argv without the namespace) that make a node's VXLAN device: a
 * unicast VXLAN on eth0 with one all-zero FDB entry per peer, so broadcast and unknown traffic
 * (ARP for the peers' overlay addresses) is sent to every other node (pure).
 */
export function vxlanCommands(plan: ClusterPlan, node: NodePlan): string[][] {
  const v = plan.vxlan;
  const cmds: string[][] = [
    ['ip', 'link', 'add', v.device, 'type', 'vxlan', 'id', String(v.vni), 'dstport', String(v.port), 'local', node.underlayIp, 'dev', 'eth0'],
  ];
  for (const peer of plan.nodes) {
    if (peer.index === node.index) continue;
    cmds.push(['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', v.device, 'dst', peer.underlayIp]);
  }
  cmds.push(['ip', 'addr', 'add', `${node.vxlanIp}/${v.prefix}`, 'dev', v.device]);
  cmds.push(['ip', 'link', 'set', v.device, 'up']);
  return cmds;
}

/** The node whose pod range holds `ip`, if any (pure). */
export function nodeOfPodIp(plan: ClusterPlan, ip: string): NodePlan | undefined {
  return plan.nodes.find((n) => ipv4InSubnet(ip, n.podCidr));
}
