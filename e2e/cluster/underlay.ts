import { randomBytes } from 'node:crypto';
import type { CleanupStack } from '../cleanup.ts';
import type { NodeEnv } from '../node-env.ts';
import { must, run } from '../sh.ts';
import { hostGwRoutes, vxlanCommands, vxlanRoutes, type ClusterPlan, type NodePlan } from './topology.ts';

// The network between the nodes: a bridge in a "switch" namespace of ours, one veth per node
// (eth0 inside the node), and the two ways a network add-on routes pod ranges between nodes:
// host-gw (plain routes via the other nodes' underlay addresses) and VXLAN (an overlay device
// per node). All of it lives in the run's own namespaces.

/** The switch namespace, with bridge `br0`. */
export function createSwitch(cleanup: CleanupStack): string {
  const name = `cnits-cl-sw-${randomBytes(4).toString('hex')}`;
  must(['ip', 'netns', 'add', name]);
  cleanup.defer(`delete switch namespace ${name}`, () => {
    must(['ip', 'netns', 'del', name]);
  });
  must(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  must(['ip', '-n', name, 'link', 'add', 'br0', 'type', 'bridge']);
  must(['ip', '-n', name, 'link', 'set', 'br0', 'up']);
  return name;
}

/** Plugs a node into the switch: eth0 in the node with its underlay address, the peer on br0. */
export function attachNode(switchNs: string, env: NodeEnv, plan: ClusterPlan, node: NodePlan): void {
  const port = `p-${node.name}`;
  must(['ip', '-n', switchNs, 'link', 'add', port, 'mtu', String(plan.underlayMtu), 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', String(plan.underlayMtu), 'netns', env.name]);
  must(['ip', '-n', switchNs, 'link', 'set', port, 'master', 'br0', 'up']);
  must(['ip', '-n', env.name, 'addr', 'add', `${node.underlayIp}/${plan.underlayPrefix}`, 'dev', 'eth0']);
  must(['ip', '-n', env.name, 'link', 'set', 'eth0', 'up']);
  // the node routes between its pods and the underlay, before any bridge plugin turns it on
  must(env.inNet(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']));
}

/** How pod ranges are reached across nodes. */
export type RoutingMode = 'host-gw' | 'vxlan';

/** Installs (or replaces) the routes of `mode` in every node; makes the VXLAN devices once. */
export function applyRouting(mode: RoutingMode, plan: ClusterPlan, envs: ReadonlyMap<number, NodeEnv>): void {
  for (const node of plan.nodes) {
    const env = envs.get(node.index);
    if (!env) throw new Error(`no namespace for ${node.name}`);
    if (mode === 'vxlan' && run(['ip', '-n', env.name, 'link', 'show', plan.vxlan.device]).code !== 0) {
      for (const cmd of vxlanCommands(plan, node)) must(env.inNet(cmd));
    }
    const routes = mode === 'host-gw' ? hostGwRoutes(plan, node) : vxlanRoutes(plan, node);
    for (const r of routes) must(['ip', '-n', env.name, 'route', 'replace', r.dst, 'via', r.via, 'dev', r.dev]);
  }
}

/** The packets a node's vxlan device has sent (0 when it does not exist). */
export function vxlanTxPackets(env: NodeEnv, device: string): number {
  const r = run(['ip', '-n', env.name, '-s', '-j', 'link', 'show', device]);
  if (r.code !== 0) return 0;
  const [link] = JSON.parse(r.stdout || '[]') as { stats64?: { tx?: { packets?: number } }; stats?: { tx?: { packets?: number } } }[];
  return link?.stats64?.tx?.packets ?? link?.stats?.tx?.packets ?? 0;
}
