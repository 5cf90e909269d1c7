// ptp (+ host-local): result shape per version ([host veth, container]), the pod's routes via
// the gateway and the host end's /32 and host route, pod<->node and pod<->pod traffic through
// the node, masquerade, CHECK, every DEL variant leaving the node as it was, bad input
// (other-plugins.md 6).
import type { TestNamespace } from '../../lib/testing/index.ts';
import { NODE_IP } from '../context.ts';
import { ensure, expectError, expectQuietSuccess, expectResult } from '../expect.ts';
import { expectPing, startEchoServer, tcpRequest } from '../net.ts';
import { addNetwork, checkNetwork, delNetwork, requestConf, statusNetwork, type Network } from '../network.ts';
import { expectNodeClean, snapshotNode } from '../node-state.ts';
import { resultAddresses } from '../shape.ts';
import type { Check, CheckContext, Invocation } from '../types.ts';
import { hasChaining, SPEC_VERSIONS, versionsFrom } from '../versions.ts';
import { expectAddress, linkNames, newPod, PTP_GATEWAY, ptpNetwork, warmUp, type Pod } from './fixtures.ts';

function ipOf(cidr: string): string {
  return cidr.split('/')[0] as string;
}

/** ADDs a pod to a ptp network; returns it with its result and address. */
export async function addPtpPod(ctx: CheckContext, net: Network): Promise<{ pod: Pod; result: Record<string, unknown>; ip: string }> {
  const pod = newPod(ctx);
  const result = await addNetwork(ctx, net, pod);
  const addr = resultAddresses(result)[0];
  ensure(addr !== undefined, `ptp ADD result lists no address: ${JSON.stringify(result)}`);
  return { pod, result, ip: ipOf(addr) };
}

/** The node's routes to one destination (`ip -j route show <dst>`). */
function routesTo(ns: TestNamespace, dst: string): { dst: string; dev?: string; gateway?: string; scope?: string }[] {
  return JSON.parse(ns.exec(['ip', '-j', 'route', 'show', dst]) || '[]') as { dst: string; dev?: string; gateway?: string; scope?: string }[];
}

function ptpAdd(ctx: CheckContext, net: Network, pod: Pod, conf: Record<string, unknown> = net.plugins[0]!.conf): Promise<Invocation> {
  const plugin = { ...net.plugins[0]!, conf };
  return ctx.call(plugin.binary, { command: 'ADD', stdin: requestConf(net, plugin), containerId: pod.containerId, netns: pod.netns, ifname: 'eth0', cniPath: plugin.cniPath! });
}

const base = { plugins: ['ptp', 'host-local'], requires: ['root'] } as const;

/** The ptp checks. */
export const PTP_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'ptp/add',
    title: 'ADD prints the config version shape (interfaces host veth, container) matching the kernel: pod routes via the gateway, host /32 and host route',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version);
      const pod = newPod(ctx);
      const node = ctx.node();
      const r = expectResult(await ptpAdd(ctx, net, pod), ctx.version, 'ptp ADD');
      const addr = resultAddresses(r)[0] ?? '';
      ensure(/^10\.89\.0\.\d+\/24$/.test(addr), `address ${addr} is not in 10.89.0.0/24 with its prefix`);
      expectAddress(pod.ns, 'eth0', addr, 'the pod');
      const dflt = JSON.parse(pod.ns.exec(['ip', '-j', 'route', 'show', 'default']) || '[]') as { gateway?: string }[];
      ensure(dflt.some((rt) => rt.gateway === PTP_GATEWAY), `the pod has no default route via ${PTP_GATEWAY}: ${JSON.stringify(dflt)}`);
      const hostRoute = routesTo(node, ipOf(addr))[0];
      ensure(hostRoute?.dev !== undefined, `the node has no route to the pod address ${ipOf(addr)}`);
      expectAddress(node, hostRoute.dev, `${PTP_GATEWAY}/32`, 'the host veth');
      ensure(!linkNames(node).some((n) => n.startsWith('cni')), 'ptp made a bridge-like cni* link on the node');
      if (hasChaining(ctx.version)) {
        const ifs = r.interfaces as Record<string, unknown>[] | undefined;
        ensure(Array.isArray(ifs) && ifs.length === 2, `expected interfaces [host veth, container], got ${JSON.stringify(ifs)}`);
        ensure(ifs[0]?.name === hostRoute.dev && !ifs[0]?.sandbox, `interfaces[0] should be the host veth ${hostRoute.dev}: ${JSON.stringify(ifs[0])}`);
        ensure(ifs[1]?.name === 'eth0' && ifs[1]?.sandbox === pod.netns, `interfaces[1] should be eth0 in ${pod.netns}: ${JSON.stringify(ifs[1])}`);
        const ips = r.ips as Record<string, unknown>[];
        ensure(ips.every((ip) => ip.interface === 1), `ips[].interface should be 1 (the container interface): ${JSON.stringify(ips)}`);
      }
      await delNetwork(ctx, net, pod, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'ptp/connectivity',
    title: 'pods reach the node and each other through it; the node reaches the pods',
    requires: ['root', 'ping'],
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version);
      const a = await addPtpPod(ctx, net);
      const b = await addPtpPod(ctx, net);
      ensure(a.ip !== b.ip, `both pods got ${a.ip}`);
      await expectPing(a.pod.ns, NODE_IP, 'pod A -> node', ctx.signal);
      await expectPing(a.pod.ns, PTP_GATEWAY, 'pod A -> gateway', ctx.signal);
      await expectPing(ctx.node(), a.ip, 'node -> pod A', ctx.signal);
      await expectPing(a.pod.ns, b.ip, 'pod A -> pod B', ctx.signal);
      await expectPing(b.pod.ns, a.ip, 'pod B -> pod A', ctx.signal);
    },
  },
  {
    ...base,
    id: 'ptp/ipmasq',
    title: 'with ipMasq, traffic leaving the pod subnet is masqueraded behind the node',
    requires: ['root', 'socat', 'ss'],
    async run(ctx) {
      const node = ctx.node();
      const outside = ctx.namespace('outside');
      node.exec(['ip', 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside.name]);
      node.exec(['ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'wan0']);
      node.exec(['ip', 'link', 'set', 'wan0', 'up']);
      outside.exec(['ip', 'addr', 'add', '198.51.100.2/24', 'dev', 'eth0']);
      outside.exec(['ip', 'link', 'set', 'eth0', 'up']);
      await startEchoServer(ctx, outside, 8080);
      const a = await addPtpPod(ctx, ptpNetwork(ctx, ctx.version));
      const seen = await tcpRequest(a.pod.ns, '198.51.100.2', 8080, ctx.signal);
      ensure(seen === '198.51.100.1', `the outside host saw the pod as ${seen ?? '(nothing: not reachable)'}, expected the node address 198.51.100.1`);
    },
  },
  {
    ...base,
    id: 'ptp/add-twice',
    title: 'a second ADD of the same container and interface fails and leaves the first attachment working',
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version);
      const a = await addPtpPod(ctx, net);
      expectError(await ptpAdd(ctx, net, a.pod), undefined, 'the second ADD');
      expectAddress(a.pod.ns, 'eth0', resultAddresses(a.result)[0] as string, 'the first attachment');
    },
  },
  {
    ...base,
    id: 'ptp/del-clean',
    title: 'DEL removes the veth, host address and route, masquerade rules and reservation (nothing left on the node), and succeeds again',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net);
      const a = await addPtpPod(ctx, net);
      await delNetwork(ctx, net, a.pod, { prevResult: a.result });
      ensure(!linkNames(a.pod.ns).includes('eth0'), 'eth0 is still in the pod after DEL');
      await delNetwork(ctx, net, a.pod, { prevResult: a.result });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'ptp/del-netns-gone',
    title: 'DEL after the netns was deleted (and with CNI_NETNS empty) succeeds and leaves nothing behind',
    expectedFailures: [{ impl: 'go', plugin: 'ptp', issue: 'none upstream for ptp (bridge: plugins#810)', why: 'ptp DEL without a usable netns collects no addresses, so the ipMasq chain and POSTROUTING rule leak' }],
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net);
      const a = await addPtpPod(ctx, net);
      a.pod.ns.remove();
      await delNetwork(ctx, net, a.pod, { prevResult: a.result });
      await delNetwork(ctx, net, a.pod, { prevResult: a.result, netns: '' });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'ptp/del-no-prevresult',
    title: 'DEL without prevResult (lost cache) succeeds and leaves nothing behind',
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net);
      const a = await addPtpPod(ctx, net);
      await delNetwork(ctx, net, a.pod);
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'ptp/del-unknown',
    title: 'DEL of a container never added succeeds (with a netns, an empty one, and none)',
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version);
      const pod = newPod(ctx);
      await delNetwork(ctx, net, pod);
      await delNetwork(ctx, net, pod, { netns: '' });
      await delNetwork(ctx, net, pod, { netns: null });
    },
  },
  {
    ...base,
    id: 'ptp/check',
    title: 'CHECK passes after ADD, fails once the pod\'s route via the gateway is gone; DEL still succeeds',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version);
      const a = await addPtpPod(ctx, net);
      expectQuietSuccess((await checkNetwork(ctx, net, a.pod, { prevResult: a.result })).at(-1)!, 'CHECK after ADD');
      a.pod.ns.exec(['ip', 'route', 'del', 'default']);
      expectError((await checkNetwork(ctx, net, a.pod, { prevResult: a.result })).at(-1)!, undefined, 'CHECK after deleting the default route');
      a.pod.ns.exec(['ip', 'link', 'del', 'eth0']);
      expectError((await checkNetwork(ctx, net, a.pod, { prevResult: a.result })).at(-1)!, undefined, 'CHECK after deleting eth0');
      await delNetwork(ctx, net, a.pod, { prevResult: a.result });
    },
  },
  {
    ...base,
    id: 'ptp/failed-add-clean',
    title: 'an ADD that fails (IPAM exhausted) leaves nothing on the node',
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version, { conf: { ipam: { type: 'host-local', subnet: '10.89.0.0/30', dataDir: ctx.dataDir } } });
      const before = await warmUp(ctx, net);
      const a = await addPtpPod(ctx, net); // the /30 holds one address
      const b = newPod(ctx);
      const snap = await snapshotNode(ctx.node(), [ctx.dataDir]);
      expectError(await ptpAdd(ctx, net, b), undefined, 'ptp ADD with the range exhausted');
      await expectNodeClean(ctx.node(), snap, { dataDirs: [ctx.dataDir], what: 'after the failed ADD', signal: ctx.signal });
      await delNetwork(ctx, net, a.pod, { prevResult: a.result });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'ptp/bad-input',
    title: 'a missing ipam, an empty ipam type or an MTU out of range is code 7, and nothing is left',
    expectedFailures: [{ impl: 'go', plugin: 'ptp', issue: 'plugins#987', why: 'Go answers "no plugin name provided" (999) or a kernel error after IPAM ran' }],
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net);
      const { ipam: _i, ...noIpam } = net.plugins[0]!.conf;
      const pod = newPod(ctx);
      for (const [what, conf] of [
        ['no ipam', noIpam],
        ['ipam.type ""', { ...noIpam, ipam: { type: '' } }],
        ['mtu 70000', { ...net.plugins[0]!.conf, mtu: 70000 }],
      ] as const) {
        expectError(await ptpAdd(ctx, net, pod, conf), 7, `ptp ADD with ${what}`);
        ensure(!linkNames(pod.ns).includes('eth0'), `ptp ADD with ${what} left eth0 in the pod`);
      }
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], what: 'after the refused ADDs', signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'ptp/status',
    title: 'STATUS succeeds quietly (forwarded to IPAM)',
    versions: ['1.1.0'],
    async run(ctx) {
      expectQuietSuccess((await statusNetwork(ctx, ptpNetwork(ctx, ctx.version)))[0]!, 'STATUS');
    },
  },
];
