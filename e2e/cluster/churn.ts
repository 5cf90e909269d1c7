import { ipv4InSubnet } from '../conflist.ts';
import type { PodSpec } from '../cri/client.ts';
import { messageOf } from '../report.ts';
import type { Cluster } from './cluster.ts';
import type { NodeState } from './node-state.ts';
import type { ClusterNode } from './node.ts';
import { removePod, runPod, type RunningPod } from './pods.ts';
import { duplicates, pool } from './stats.ts';

// The churn: `count` pod sandboxes spread round-robin over the nodes, created with `parallel`
// RunPodSandbox calls in flight, all alive at once (so every address must be distinct), then
// removed (StopPodSandbox, RemovePodSandbox) the same way. Then every node must be as it was.

/** What the churn borrows from the cluster run. */
export interface ChurnHelpers {
  latenciesOf(node: ClusterNode): { run: number[]; stop: number[]; remove: number[] };
  podSpec(node: ClusterNode, name: string): PodSpec;
  cleanCheck(label: string, before: Map<string, NodeState>, pods: readonly RunningPod[]): Promise<boolean>;
  /** True once the run is being interrupted: no new pod is started. */
  stopping(): boolean;
}

/** Runs the churn and its checks; returns nothing, every check reports itself. */
export async function runChurn(cluster: Cluster, count: number, parallel: number, before: Map<string, NodeState>, helpers: ChurnHelpers): Promise<void> {
  const { report, nodes } = cluster;
  const items = Array.from({ length: count }, (_, i) => ({ node: nodes[i % nodes.length] as ClusterNode, name: `churn-${i}` }));

  const t0 = performance.now();
  const created = await pool(items, parallel, async ({ node, name }) => {
    if (helpers.stopping()) throw new Error('interrupted');
    const pod = await runPod(node, helpers.podSpec(node, name), { app: false });
    helpers.latenciesOf(node).run.push(pod.runMs);
    return pod;
  });
  const createMs = performance.now() - t0;
  const pods = created.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failures = created.flatMap((r, i) => (r.status === 'rejected' ? [`${items[i]?.name}: ${messageOf(r.reason)}`] : []));

  await report.check(`churn: ${count} RunPodSandbox over ${nodes.length} nodes, ${parallel} in flight, 0 failed sandboxes`, () => {
    if (failures.length) throw new Error(`${failures.length} failed: ${failures.slice(0, 3).join('; ')}`);
    return `${pods.length} ready in ${(createMs / 1000).toFixed(1)} s (${(pods.length / (createMs / 1000)).toFixed(2)} pods/s)`;
  });
  await report.check('churn: 0 duplicate pod IPs, each in its node\'s range', () => {
    const dup = duplicates(pods.map((p) => p.ip));
    if (dup.length) throw new Error(`duplicates: ${dup.slice(0, 5).join(', ')}`);
    const stray = pods.filter((p) => !ipv4InSubnet(p.ip, p.node.plan.podCidr));
    if (stray.length) throw new Error(`outside the node's range: ${stray.slice(0, 3).map((p) => `${p.spec.name}=${p.ip}`).join(', ')}`);
    return `${pods.length} distinct addresses`;
  });

  // sandboxes whose RunPodSandbox failed may still be listed; remove those too
  const listed = await Promise.all(nodes.map(async (node) => ({ node, ids: (await node.cri.listPodSandbox()).map((s) => s.id) })));
  const known = new Set(pods.map((p) => p.sandboxId));
  const strays = listed.flatMap(({ node, ids }) => ids.filter((id) => !known.has(id)).map((id) => ({ node, sandboxId: id })));

  const t1 = performance.now();
  const removed = await pool([...pods.map((p) => ({ node: p.node, sandboxId: p.sandboxId })), ...strays], parallel, async ({ node, sandboxId }) => {
    const t = await removePod(node, sandboxId);
    const l = helpers.latenciesOf(node);
    l.stop.push(t.stopMs);
    l.remove.push(t.removeMs);
  });
  const removeMs = performance.now() - t1;
  const removeFailures = removed.flatMap((r) => (r.status === 'rejected' ? [messageOf(r.reason)] : []));
  await report.check(`churn: StopPodSandbox and RemovePodSandbox of all ${pods.length + strays.length}, ${parallel} in flight, 0 failed`, async () => {
    if (removeFailures.length) throw new Error(`${removeFailures.length} failed: ${removeFailures.slice(0, 3).join('; ')}`);
    const left = (await Promise.all(nodes.map((n) => n.cri.listPodSandbox()))).flat();
    if (left.length) throw new Error(`${left.length} sandboxes still listed`);
    return `in ${(removeMs / 1000).toFixed(1)} s (${((pods.length + strays.length) / (removeMs / 1000)).toFixed(2)} pods/s)`;
  });
  await helpers.cleanCheck('churn', before, pods);
  report.note(`churn throughput: ${pods.length} pods created and removed in ${((createMs + removeMs) / 1000).toFixed(1)} s, ${(pods.length / ((createMs + removeMs) / 1000)).toFixed(2)} pods/s end to end`);
}
