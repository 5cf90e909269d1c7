import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { E2eOptions } from '../args.ts';
import { ipv4InSubnet } from '../conflist.ts';
import { CleanupStack } from '../cleanup.ts';
import { existingRuntimeCgroups, removeCgroupTree } from '../cgroups.ts';
import { diffSnapshots, hostSnapshot, type HostSnapshot } from '../host-state.ts';
import type { NodeEnv } from '../node-env.ts';
import { buildOciArchive } from '../oci-image.ts';
import { E2E_PACKAGES, ensurePackages } from '../packages.ts';
import { clientScript, expectBlocked, expectPage, expectProbe, parseClientOutput, type ProbeTarget } from '../probes.ts';
import { messageOf, Report, StepFailed, type WriteLine } from '../report.ts';
import { buildRootfs } from '../rootfs.ts';
import { eventually, run } from '../sh.ts';
import { expectNone } from '../traces.ts';
import type { PodSpec } from '../cri/client.ts';
import { runChurn } from './churn.ts';
import { APP_IMAGE, PAUSE_COMMAND, PAUSE_IMAGE, podConflist, type PodNetwork } from './cri-config.ts';
import { leftovers, readNodeState, type NodeState } from './node-state.ts';
import { confDirOf, createClusterNodeEnv, startNodeRuntime, type ClusterNode, type NodeOptions } from './node.ts';
import { hostInterfacesOf, removePod, runPod, type RunningPod } from './pods.ts';
import { latencySummary } from './stats.ts';
import { clusterPlan, type ClusterPlan, type NodePlan } from './topology.ts';
import { applyRouting, attachNode, createSwitch, vxlanTxPackets } from './underlay.ts';

// `npm run e2e -- --cluster`: a Kubernetes-shaped cluster on one machine. Three node namespaces
// on an underlay switch, each with containerd 1.6 and its CRI plugin configured as a kubelet's
// node would be (plugins under test, its own pod range), driven over CRI by a kubelet-like
// client. Pods talk across nodes through host-gw routes, then VXLAN; host ports, bandwidth
// annotations, an isolated second network, a conflist dropped in after start, and a churn of
// pods with several in flight. Everything lives in throwaway namespaces and is removed at the
// end, also on failure or SIGINT/SIGTERM.

/** The plugins the nodes' conflists name. */
export const CLUSTER_PLUGINS: readonly string[] = ['bridge', 'host-local', 'portmap', 'firewall', 'bandwidth'];

/** The main pod network's name and bridge on every node. */
const MAIN = { name: 'cnits-cluster', bridge: 'cni0' } as const;
const ISOLATED = { name: 'cnits-isolated', bridge: 'cni1' } as const;
/** hostPort of the web pods (the same on every node, as a DaemonSet's would be). */
const HOST_PORT = 30080;
/** The bandwidth annotations of web-1a and what tc must show. */
const BANDWIDTH = { ingress: '1M', egress: '2M', ingressTc: '1Mbit', egressTc: '2Mbit' } as const;

/** Per-node latencies gathered over the run. */
interface Latencies {
  run: number[];
  stop: number[];
  remove: number[];
}

/** Shared state of one cluster run. */
interface Cluster {
  readonly plan: ClusterPlan;
  readonly nodes: ClusterNode[];
  readonly report: Report;
  readonly say: (line: string) => void;
  readonly page: string;
  readonly cgroupParent: string;
  readonly cniVersion: string;
  readonly latencies: Map<string, Latencies>;
}

function latenciesOf(cluster: Cluster, node: ClusterNode): Latencies {
  let l = cluster.latencies.get(node.plan.name);
  if (!l) {
    l = { run: [], stop: [], remove: [] };
    cluster.latencies.set(node.plan.name, l);
  }
  return l;
}

function podSpec(cluster: Cluster, node: ClusterNode, name: string, extra: Partial<PodSpec> = {}): PodSpec {
  return {
    name,
    namespace: 'default',
    uid: `${name}-${randomBytes(4).toString('hex')}`,
    cgroupParent: `${cluster.cgroupParent}/${node.plan.name}`,
    ...extra,
  };
}

function mainNetwork(cluster: Cluster, node: NodePlan): PodNetwork {
  return { ...MAIN, subnet: node.podCidr, gateway: node.podGateway, cniVersion: cluster.cniVersion, full: true };
}

/** Runs `script` (probes.ts) in a pod's app container and parses its output. */
async function probeFrom(pod: RunningPod, targets: readonly ProbeTarget[]): Promise<Map<string, string>> {
  if (!pod.containerId) throw new Error(`${pod.spec.name} has no app container`);
  const r = await pod.node.cri.execSync(pod.containerId, ['/bin/sh', '-c', clientScript(targets)], 30);
  if (r.exitCode !== 0) throw new Error(`ExecSync in ${pod.spec.name} exited ${r.exitCode}: ${r.stderr.slice(0, 200)}`);
  return parseClientOutput(r.stdout);
}

async function expectReach(cluster: Cluster, from: RunningPod, to: RunningPod): Promise<string> {
  // a fresh route or overlay can lose the very first packets (ARP); retry briefly
  let last: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      const out = await probeFrom(from, [{ label: 'target', host: to.ip, port: 80 }]);
      expectProbe(out, { label: 'target', page: cluster.page });
      return `${from.spec.name} (${from.ip}) -> ${to.spec.name} (${to.ip}) -> page`;
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

/** Makes the images, the switch and the nodes; checks that each node's CRI answers. */
async function setUp(options: E2eOptions, report: Report, cleanup: CleanupStack, say: (line: string) => void, cgroupParent: string): Promise<Cluster> {
  const stateDir = mkdtempSync(join(tmpdir(), 'cnits-cl-'));
  cleanup.defer(`remove ${stateDir}`, () => {
    if (options.keepState) say(`kept ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  });
  const page = `cnits-cluster-${randomBytes(6).toString('hex')}`;
  const archives = await report.step('cluster setup: busybox root filesystem, pause and app images', () => {
    const rootfs = join(stateDir, 'rootfs');
    buildRootfs(rootfs, page);
    const pause = join(stateDir, 'pause.oci.tar');
    const app = join(stateDir, 'app.oci.tar');
    buildOciArchive({ rootfs, work: join(stateDir, 'oci-pause'), archive: pause, ref: PAUSE_IMAGE, cmd: PAUSE_COMMAND });
    buildOciArchive({ rootfs, work: join(stateDir, 'oci-app'), archive: app, ref: APP_IMAGE, cmd: ['/bin/sh'] });
    return [pause, app];
  });
  const plan = clusterPlan(3);
  const switchNs = await report.step('cluster setup: underlay switch namespace', () => createSwitch(cleanup));
  const nodeOptions = (node: NodePlan): NodeOptions => ({
    stateDir,
    pluginDir: options.plugins,
    snapshotter: 'overlayfs',
    say,
    ...(node.index === plan.isolated.node ? { isolatedHandler: plan.isolated.handler } : {}),
  });
  const nodes: ClusterNode[] = [];
  for (const node of plan.nodes) {
    const env = await report.step(`cluster setup: ${node.name} namespaces on the underlay (${node.underlayIp})`, async () => {
      const e = await createClusterNodeEnv(node, nodeOptions(node), cleanup);
      attachNode(switchNs, e, plan, node);
      return e;
    });
    const started = await report.gate(`${node.name}: containerd ${'1.6'} with the CRI plugin answers Version over CRI; images imported`, async () => {
      const n = await startNodeRuntime(node, env, nodeOptions(node), archives, cleanup);
      const v = await n.cri.version();
      return { n, v };
    }, ({ n, v }) => `${v.runtimeName} ${v.runtimeVersion}, CRI ${v.runtimeApiVersion}, netns ${n.env.name}`);
    nodes.push(started.n);
  }
  say(`switch ${switchNs}; nodes ${nodes.map((n) => `${n.plan.name}=${n.env.name}`).join(', ')}; state in ${stateDir}`);
  return { plan, nodes, report, say, page, cgroupParent, cniVersion: options.cniVersion, latencies: new Map() };
}

/** Status NetworkReady before and after the conflists are written into the running nodes. */
async function dropInConflists(cluster: Cluster): Promise<void> {
  const { report, plan } = cluster;
  for (const node of cluster.nodes) {
    await report.check(`${node.plan.name}: CRI Status reports NetworkReady false with an empty conf dir`, async () => {
      const conds = await node.cri.status();
      const net = conds.find((c) => c.type === 'NetworkReady');
      if (!net) throw new Error('no NetworkReady condition');
      if (net.status) throw new Error('NetworkReady is already true');
      return `${net.reason}`;
    });
    const write = (dir: string, net: PodNetwork): void => {
      const path = join(dir, `10-${net.name}.conflist`);
      writeFileSync(`${path}.tmp`, `${JSON.stringify(podConflist(net), null, 2)}\n`);
      // renamed into place, as an add-on's installer does, so containerd never reads half a file
      run(['mv', `${path}.tmp`, path]);
    };
    write(confDirOf(node), mainNetwork(cluster, node.plan));
    if (node.plan.index === plan.isolated.node) {
      write(confDirOf(node, true), { ...ISOLATED, subnet: plan.isolated.cidr, gateway: plan.isolated.gateway, cniVersion: cluster.cniVersion, full: false });
    }
    await report.gate(`${node.plan.name}: a conflist dropped into the conf dir after start is picked up (NetworkReady true)`, async () => {
      const deadline = performance.now() + 30_000;
      for (;;) {
        const net = (await node.cri.status()).find((c) => c.type === 'NetworkReady');
        if (net?.status) return;
        if (performance.now() > deadline) throw new Error(`still not ready: ${net?.reason} ${net?.message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    });
  }
}

/** The long-lived pods of the feature checks. */
interface WebPods {
  a: RunningPod;
  b: RunningPod;
  two: RunningPod;
  three: RunningPod;
  isolated?: RunningPod;
}

async function startWebPods(cluster: Cluster, live: RunningPod[]): Promise<WebPods> {
  const { report, plan } = cluster;
  const [n1, n2, n3] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
  const start = async (node: ClusterNode, name: string, extra: Partial<PodSpec>, handler?: string): Promise<RunningPod> =>
    report.gate(
      `${node.plan.name}: RunPodSandbox ${name}${extra.portMappings?.length ? ` with hostPort ${HOST_PORT}` : ''}${extra.annotations ? ' and bandwidth annotations' : ''}${handler ? ` (runtime handler ${handler})` : ''}, httpd container, PodSandboxStatus IP`,
      async () => {
        const pod = await runPod(node, podSpec(cluster, node, name, extra), { app: true, ...(handler ? { handler } : {}) });
        live.push(pod);
        latenciesOf(cluster, node).run.push(pod.runMs);
        const range = handler ? plan.isolated.cidr : node.plan.podCidr;
        if (!ipv4InSubnet(pod.ip, range)) throw new Error(`pod IP ${pod.ip} outside ${range}`);
        return pod;
      },
      (pod) => `${pod.ip} (sandbox ${pod.sandboxId.slice(0, 12)})`,
    );
  const hostPort = { portMappings: [{ containerPort: 80, hostPort: HOST_PORT }] };
  const a = await start(n1, 'web-1a', { ...hostPort, annotations: { 'kubernetes.io/ingress-bandwidth': BANDWIDTH.ingress, 'kubernetes.io/egress-bandwidth': BANDWIDTH.egress } });
  const b = await start(n1, 'web-1b', {});
  const two = await start(n2, 'web-2', hostPort);
  const three = await start(n3, 'web-3', {});
  return { a, b, two, three };
}

async function routingChecks(cluster: Cluster, pods: WebPods): Promise<void> {
  const { report, plan } = cluster;
  const envs = new Map<number, NodeEnv>(cluster.nodes.map((n) => [n.plan.index, n.env]));
  const [n1, n2] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
  const page = cluster.page;

  await report.gate('host-gw: routes to every other node\'s pod range via its underlay address', () => applyRouting('host-gw', plan, envs));
  await report.check('host-gw: pod to pod on the same node (web-1a -> web-1b)', () => expectReach(cluster, pods.a, pods.b));
  await report.check('host-gw: pod to pod across nodes (web-1a -> web-2)', () => expectReach(cluster, pods.a, pods.two));
  await report.check('host-gw: pod to pod across nodes (web-3 -> web-1a)', () => expectReach(cluster, pods.three, pods.a));
  await report.check('host-gw: node2 reaches web-1a (on node1) at its pod IP', () => eventually(() => expectPage(n2.env, { url: `http://${pods.a.ip}/`, page }), 10_000, 500));
  await report.check(`host-gw: node2 reaches web-1a through node1's hostPort (${n1.plan.underlayIp}:${HOST_PORT})`, () =>
    expectPage(n2.env, { url: `http://${n1.plan.underlayIp}:${HOST_PORT}/`, page }),
  );
  await report.check(`node1 reaches web-1a through its hostPort on 127.0.0.1:${HOST_PORT}`, () => expectPage(n1.env, { url: `http://127.0.0.1:${HOST_PORT}/`, page }));
  await report.check(`node1 reaches web-2 through node2's hostPort (${n2.plan.underlayIp}:${HOST_PORT})`, () =>
    expectPage(n1.env, { url: `http://${n2.plan.underlayIp}:${HOST_PORT}/`, page }),
  );

  await report.gate('vxlan: vxlan devices in every node, pod-range routes moved onto them', () => applyRouting('vxlan', plan, envs));
  const before = cluster.nodes.map((n) => vxlanTxPackets(n.env, plan.vxlan.device));
  await report.check('vxlan: pod to pod across nodes (web-1a -> web-2)', () => expectReach(cluster, pods.a, pods.two));
  await report.check('vxlan: pod to pod across nodes (web-2 -> web-3)', () => expectReach(cluster, pods.two, pods.three));
  await report.check('vxlan: pod to pod on the same node (web-1b -> web-1a)', () => expectReach(cluster, pods.b, pods.a));
  await report.check('vxlan: node2 reaches web-1a (on node1) at its pod IP', () => eventually(() => expectPage(n2.env, { url: `http://${pods.a.ip}/`, page }), 10_000, 500));
  await report.check('vxlan: the cross-node traffic went through the vxlan devices', () => {
    const after = cluster.nodes.map((n) => vxlanTxPackets(n.env, plan.vxlan.device));
    const sent = after.map((a, i) => a - (before[i] ?? 0));
    if (sent.some((s) => s <= 0)) throw new Error(`tx packets per node: ${sent.join(', ')}`);
    return `tx packets per node ${sent.join(', ')}`;
  });
}

async function isolationChecks(cluster: Cluster, pods: WebPods, live: RunningPod[]): Promise<void> {
  const { report, plan } = cluster;
  const n1 = cluster.nodes[0] as ClusterNode;
  const iso = await report.gate(
    `node1: RunPodSandbox iso-1 on the isolated network (runtime handler ${plan.isolated.handler}), httpd container`,
    async () => {
      const pod = await runPod(n1, podSpec(cluster, n1, 'iso-1'), { app: true, handler: plan.isolated.handler });
      live.push(pod);
      latenciesOf(cluster, n1).run.push(pod.runMs);
      if (!ipv4InSubnet(pod.ip, plan.isolated.cidr)) throw new Error(`pod IP ${pod.ip} outside ${plan.isolated.cidr}`);
      return pod;
    },
    (pod) => pod.ip,
  );
  pods.isolated = iso;
  const page = cluster.page;
  await report.check('firewall: node1 reaches iso-1 and web-1a (so the drops below are the isolation\'s)', () => {
    expectPage(n1.env, { url: `http://${iso.ip}/`, page });
    expectPage(n1.env, { url: `http://${pods.a.ip}/`, page });
    return 'both -> page';
  });
  await report.check('firewall: iso-1 (isolated network) cannot reach web-1a (main network)', async () =>
    expectBlocked(await probeFrom(iso, [{ label: 'target', host: pods.a.ip, port: 80, waitSeconds: 2 }]), { label: 'target', page }),
  );
  await report.check('firewall: web-1a (main network) cannot reach iso-1 (isolated network)', async () =>
    expectBlocked(await probeFrom(pods.a, [{ label: 'target', host: iso.ip, port: 80, waitSeconds: 2 }]), { label: 'target', page }),
  );
}

async function bandwidthCheck(cluster: Cluster, pods: WebPods): Promise<void> {
  await cluster.report.check(
    `bandwidth: web-1a's annotations (ingress ${BANDWIDTH.ingress}, egress ${BANDWIDTH.egress}) became tbf qdiscs on its host veth and ifb`,
    () => {
      const ifaces = hostInterfacesOf(pods.a, MAIN.name, MAIN.bridge);
      const found: string[] = [];
      for (const dev of ifaces) {
        const text = run(pods.a.node.env.inNet(['tc', 'qdisc', 'show', 'dev', dev])).stdout;
        const m = /qdisc tbf .*?rate (\S+)/.exec(text);
        if (m) found.push(`${dev}: tbf rate ${m[1]}`);
      }
      const rates = found.map((f) => f.split('rate ')[1]);
      if (!rates.includes(BANDWIDTH.ingressTc) || !rates.includes(BANDWIDTH.egressTc)) {
        throw new Error(`expected tbf rates ${BANDWIDTH.ingressTc} and ${BANDWIDTH.egressTc} on ${ifaces.join(', ')}; found ${found.join('; ') || 'none'}`);
      }
      return found.join('; ');
    },
  );
}

async function removeAll(cluster: Cluster, live: RunningPod[], label: string): Promise<void> {
  await cluster.report.check(`${label}: StopPodSandbox and RemovePodSandbox for every pod`, async () => {
    const errors: string[] = [];
    for (const pod of [...live]) {
      try {
        const t = await removePod(pod.node, pod.sandboxId);
        const l = latenciesOf(cluster, pod.node);
        l.stop.push(t.stopMs);
        l.remove.push(t.removeMs);
        live.splice(live.indexOf(pod), 1);
      } catch (error) {
        errors.push(`${pod.spec.name}: ${messageOf(error)}`);
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
    const left = (await Promise.all(cluster.nodes.map((n) => n.cri.listPodSandbox()))).flat();
    expectNone('sandboxes still listed', left.map((s) => s.id.slice(0, 12)));
    return 'ListPodSandbox empty on every node';
  });
}

function cleanCheck(cluster: Cluster, label: string, before: Map<string, NodeState>, pods: readonly { node: ClusterNode; ip: string; sandboxId: string }[], hostPorts: number[], strictRules: boolean): Promise<boolean> {
  return cluster.report.check(`${label}: every node clean afterwards (links, rules, reservations, cache, netns, processes)`, async () => {
    const problems: string[] = [];
    for (const node of cluster.nodes) {
      // shims exit a moment after RemovePodSandbox returns
      const mine = pods.filter((p) => p.node === node);
      const refs = { ids: mine.map((p) => p.sandboxId), ips: mine.map((p) => p.ip), hostPorts };
      const base = before.get(node.plan.name);
      if (!base) throw new Error(`no earlier state of ${node.plan.name}`);
      let left: string[] = [];
      try {
        await eventually(() => {
          left = leftovers(base, readNodeState(node), refs, strictRules);
          if (left.length) throw new Error('not yet');
        }, 15_000, 500);
      } catch {
        problems.push(`${node.plan.name}: ${left.join('; ')}`);
      }
    }
    if (problems.length) throw new Error(problems.join(' | '));
    return `${pods.length} pods over ${cluster.nodes.length} nodes`;
  });
}

function statesOf(cluster: Cluster): Map<string, NodeState> {
  return new Map(cluster.nodes.map((n) => [n.plan.name, readNodeState(n)]));
}

/** Runs the cluster e2e and returns the exit code. */
export async function runClusterE2e(options: E2eOptions, write: WriteLine, checkPluginDir: (dir: string, names: readonly string[]) => string): Promise<number> {
  const started = performance.now();
  const report = new Report(write);
  const say = (line: string): void => write(`==> ${line}`);
  if (process.getuid?.() !== 0) {
    report.fail('cluster: needs root', 'network namespaces, mounts and containerd need root');
    report.finish(performance.now() - started);
    return 1;
  }
  const cleanup = new CleanupStack();
  const live: RunningPod[] = [];
  let cluster: Cluster | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    stopping = true;
    write(`==> ${signal}: cleaning up`);
    void (async () => {
      for (const f of await cleanup.runAll()) report.fail(`cleanup: ${f.label}`, messageOf(f.error));
      report.fail('cluster: interrupted', `${signal} before the run finished`);
      report.finish(performance.now() - started);
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const cgroupName = `cnits-cl-${randomBytes(4).toString('hex')}`;
  let before: HostSnapshot | undefined;
  try {
    say(`plugins under test: ${options.plugins}; cluster of 3 nodes; churn ${options.churn} pods, ${options.churnParallel} in flight; load ${loadavg()}`);
    await report.step('setup: Debian packages', () => {
      const list = options.plugins === '/usr/lib/cni' ? [...E2E_PACKAGES, { pkg: 'containernetworking-plugins', files: ['/usr/lib/cni/bridge'], why: 'the plugins under test' }] : E2E_PACKAGES;
      ensurePackages(say, list);
    });
    await report.gate(`plugins: ${options.plugins} has ${CLUSTER_PLUGINS.join(', ')}`, () => checkPluginDir(options.plugins, CLUSTER_PLUGINS));
    before = hostSnapshot([cgroupName]);
    cleanup.defer('remove the pods\' cgroup directories', () => {
      for (const dir of existingRuntimeCgroups([cgroupName])) removeCgroupTree(dir);
    });
    cluster = await setUp(options, report, cleanup, say, `/${cgroupName}`);
    const c = cluster;
    // remove whatever pods a failed check left, before the daemons stop
    cleanup.defer('remove pods left running', async () => {
      for (const pod of [...live]) await removePod(pod.node, pod.sandboxId).catch(() => undefined);
    });
    await dropInConflists(c);
    const empty = statesOf(c);
    const pods = await startWebPods(c, live);
    await routingChecks(c, pods);
    await isolationChecks(c, pods, live);
    await bandwidthCheck(c, pods);
    const featurePods = [...live];
    await removeAll(c, live, 'feature pods');
    await cleanCheck(c, 'feature pods', empty, featurePods, [HOST_PORT], false);
    if (options.churn > 0) await runChurn(c, options.churn, options.churnParallel, statesOf(c), { latenciesOf: (n) => latenciesOf(c, n), podSpec: (n, name) => podSpec(c, n, name), cleanCheck: (label, base, churned) => cleanCheck(c, label, base, churned, [], true), stopping: () => stopping });
  } catch (error) {
    if (!(error instanceof StepFailed)) report.fail('cluster: unexpected error', messageOf(error));
  } finally {
    if (cluster) printLatencies(cluster, write);
    await report.step('cleanup: pods, containerd, node and switch namespaces, mounts, state', async () => {
      for (const f of await cleanup.runAll()) report.fail(`cleanup: ${f.label}`, messageOf(f.error));
    });
    if (before) {
      const snapshot = before;
      await report.check('host: root network namespace and runtime host paths unchanged', () => {
        expectNone('changed', diffSnapshots(snapshot, hostSnapshot([cgroupName])));
        return 'links, addresses, routes, rules, ip_forward, /var/lib/cni, /etc/cni/net.d, /opt, /run/containerd, /run/runc, /run/cni, /run/cni-ts, cgroups';
      });
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    say(`load at the end: ${loadavg()}`);
    report.finish(performance.now() - started);
  }
  return report.failed > 0 ? 1 : 0;
}

function loadavg(): string {
  try {
    return run(['cat', '/proc/loadavg']).stdout.trim();
  } catch {
    return '?';
  }
}

function printLatencies(cluster: Cluster, write: WriteLine): void {
  write('');
  write('CRI latency per node (all pods of the run):');
  for (const node of cluster.nodes) {
    const l = cluster.latencies.get(node.plan.name);
    if (!l) continue;
    write(`  ${node.plan.name}: RunPodSandbox ${latencySummary(l.run)}; StopPodSandbox ${latencySummary(l.stop)}; RemovePodSandbox ${latencySummary(l.remove)}`);
  }
}

export type { Cluster };
