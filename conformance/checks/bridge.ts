// bridge (+ host-local): result shape and interface order per version, kernel state matching the
// result, pod-to-pod and node-to-pod traffic, masquerade, CHECK, every DEL variant leaving the
// node as it was, parallel ADDs, recovery after a failed ADD, GC and STATUS
// (reference-plugins.md 2, cni-protocol.md 4 and 10).
import type { TestNamespace } from '../../lib/testing/index.ts';
import { ensure, expectError, expectQuietSuccess, expectResult } from '../expect.ts';
import { canPing, expectPing, startEchoServer, tcpRequest } from '../net.ts';
import { addNetwork, checkNetwork, delNetwork, delNetworkRaw, gcNetwork, requestConf, statusNetwork, type Network } from '../network.ts';
import { expectNodeClean, snapshotNode } from '../node-state.ts';
import { resultAddresses } from '../shape.ts';
import type { Check, CheckContext } from '../types.ts';
import { hasChaining, SPEC_VERSIONS, versionsFrom } from '../versions.ts';
import { BRIDGE, bridgeNetwork, expectAddress, linkNames, newPod, POD_GATEWAY, warmUp, type Pod } from './fixtures.ts';

interface IpLink {
  ifname: string;
  address?: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}

function links(ns: TestNamespace): IpLink[] {
  return JSON.parse(ns.exec(['ip', '-j', '-d', 'link', 'show']) || '[]') as IpLink[];
}

function podAddress(r: unknown, what = 'bridge ADD'): string {
  const a = resultAddresses(r);
  ensure(a.length >= 1, `${what} result lists no address`);
  return a[0] as string;
}

function ipOf(cidr: string): string {
  return cidr.split('/')[0] as string;
}

async function addPod(ctx: CheckContext, net: Network): Promise<{ pod: Pod; result: Record<string, unknown>; ip: string }> {
  const pod = newPod(ctx);
  const result = await addNetwork(ctx, net, pod);
  return { pod, result, ip: ipOf(podAddress(result)) };
}

const GO_810 = {
  impl: 'go',
  plugin: 'bridge',
  issue: 'plugins#810',
  why: 'bridge DEL without a usable netns only releases IPAM; the ipMasq chain and POSTROUTING rule leak (fix PR #1078 open)',
} as const;

const base = { plugins: ['bridge', 'host-local'], requires: ['root'] } as const;

/** The bridge checks. */
export const BRIDGE_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'bridge/add',
    title: 'ADD prints the config version shape (interfaces bridge, host veth, container) matching the kernel state',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      const pod = newPod(ctx);
      const node = ctx.node();
      const inv = await ctx.call(ctx.bin('bridge'), { command: 'ADD', stdin: requestConf(net, net.plugins[0]!), containerId: pod.containerId, netns: pod.netns, ifname: 'eth0', cniPath: net.plugins[0]!.cniPath! });
      const r = expectResult(inv, ctx.version, 'bridge ADD');
      const addr = podAddress(r);
      ensure(/^10\.88\.0\.\d+\/24$/.test(addr), `address ${addr} is not in 10.88.0.0/24 with its prefix`);
      expectAddress(pod.ns, 'eth0', addr, 'the pod');
      expectAddress(node, BRIDGE, `${POD_GATEWAY}/24`, 'the bridge (isGateway)');
      const routes = JSON.parse(pod.ns.exec(['ip', '-j', 'route', 'show', 'default']) || '[]') as { gateway?: string }[];
      ensure(routes.some((rt) => rt.gateway === POD_GATEWAY), `the pod has no default route via ${POD_GATEWAY}: ${JSON.stringify(routes)}`);
      if (!hasChaining(ctx.version)) {
        const ip4 = r.ip4 as Record<string, unknown>;
        ensure(ip4.gateway === POD_GATEWAY, `ip4.gateway is ${JSON.stringify(ip4.gateway)}, expected ${POD_GATEWAY}`);
      } else {
        const ifs = r.interfaces as Record<string, unknown>[] | undefined;
        ensure(Array.isArray(ifs) && ifs.length >= 3, `expected interfaces [bridge, host veth, container], got ${JSON.stringify(ifs)}`);
        const [br, host, cont] = ifs as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
        ensure(br.name === BRIDGE && !br.sandbox, `interfaces[0] should be the bridge ${BRIDGE} without sandbox: ${JSON.stringify(br)}`);
        ensure(cont.name === 'eth0' && cont.sandbox === pod.netns, `interfaces[2] should be eth0 with sandbox ${pod.netns}: ${JSON.stringify(cont)}`);
        const nodeLinks = links(node);
        const hostLink = nodeLinks.find((l) => l.ifname === host.name);
        ensure(hostLink?.linkinfo?.info_kind === 'veth' && hostLink.master === BRIDGE, `interfaces[1] (${String(host.name)}) should be a veth on the node attached to ${BRIDGE}`);
        const ips = r.ips as Record<string, unknown>[];
        ensure(ips.every((ip) => ip.interface === 2), `ips[].interface should be 2 (the container interface): ${JSON.stringify(ips)}`);
        ensure(ips[0]?.gateway === POD_GATEWAY, `ips[0].gateway is ${JSON.stringify(ips[0]?.gateway)}, expected ${POD_GATEWAY}`);
        const brLink = nodeLinks.find((l) => l.ifname === BRIDGE);
        const podLink = links(pod.ns).find((l) => l.ifname === 'eth0');
        for (const [entry, link, label] of [[br, brLink, 'bridge'], [host, hostLink, 'host veth'], [cont, podLink, 'container eth0']] as const) {
          if (entry.mac !== undefined) ensure(String(entry.mac).toLowerCase() === link?.address, `the ${label} MAC in the result (${String(entry.mac)}) differs from the kernel's (${link?.address})`);
        }
      }
      await delNetwork(ctx, net, pod, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'bridge/connectivity',
    title: 'pods on the bridge reach each other, the gateway, and the node reaches them',
    requires: ['root', 'ping'],
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      const a = await addPod(ctx, net);
      const b = await addPod(ctx, net);
      ensure(a.ip !== b.ip, `both pods got ${a.ip}`);
      await expectPing(a.pod.ns, b.ip, 'pod A -> pod B', ctx.signal);
      await expectPing(b.pod.ns, a.ip, 'pod B -> pod A', ctx.signal);
      await expectPing(a.pod.ns, POD_GATEWAY, 'pod A -> gateway', ctx.signal);
      await expectPing(ctx.node(), b.ip, 'node -> pod B', ctx.signal);
    },
  },
  {
    ...base,
    id: 'bridge/ipmasq',
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
      const net = bridgeNetwork(ctx, ctx.version);
      const a = await addPod(ctx, net);
      const seen = await tcpRequest(a.pod.ns, '198.51.100.2', 8080, ctx.signal);
      ensure(seen !== undefined, 'the pod cannot reach a host outside the pod subnet (no forwarding or no masquerade)');
      ensure(seen === '198.51.100.1', `the outside host saw the pod as ${seen}, expected the node address 198.51.100.1`);
    },
  },
  {
    ...base,
    id: 'bridge/add-twice',
    title: 'a second ADD of the same container and interface fails and leaves the first attachment working',
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      const a = await addPod(ctx, net);
      const again = await ctx.call(ctx.bin('bridge'), { command: 'ADD', stdin: requestConf(net, net.plugins[0]!), containerId: a.pod.containerId, netns: a.pod.netns, ifname: 'eth0', cniPath: net.plugins[0]!.cniPath! });
      expectError(again, undefined, 'the second ADD');
      expectAddress(a.pod.ns, 'eth0', podAddress(a.result), 'the first attachment');
    },
  },
  {
    ...base,
    id: 'bridge/del-clean',
    title: 'DEL removes the interface, addresses and masquerade rules (nothing left on the node), and succeeds again',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net);
      const a = await addPod(ctx, net);
      await delNetwork(ctx, net, a.pod, { prevResult: a.result });
      ensure(!linkNames(a.pod.ns).includes('eth0'), 'eth0 is still in the pod after DEL');
      await delNetwork(ctx, net, a.pod, { prevResult: a.result });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'bridge/del-empty-netns',
    title: 'DEL with CNI_NETNS empty succeeds and, once the runtime removes the netns, nothing is left',
    expectedFailures: [GO_810],
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net);
      const a = await addPod(ctx, net);
      await delNetwork(ctx, net, a.pod, { prevResult: a.result, netns: '' });
      a.pod.ns.remove();
      await delNetwork(ctx, net, a.pod, { prevResult: a.result, netns: '' });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'bridge/del-netns-gone',
    title: 'DEL after the netns was deleted succeeds and leaves nothing behind',
    expectedFailures: [GO_810],
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net);
      const a = await addPod(ctx, net);
      a.pod.ns.remove();
      await delNetwork(ctx, net, a.pod, { prevResult: a.result });
      await delNetwork(ctx, net, a.pod, { prevResult: a.result });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'bridge/del-no-prevresult',
    title: 'DEL without prevResult (lost cache) succeeds and leaves nothing behind',
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net);
      const a = await addPod(ctx, net);
      await delNetwork(ctx, net, a.pod);
      ensure(!linkNames(a.pod.ns).includes('eth0'), 'eth0 is still in the pod after DEL');
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'bridge/del-unknown',
    title: 'DEL of a container never added succeeds (with a netns, an empty one, and none)',
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      const pod = newPod(ctx);
      await delNetwork(ctx, net, pod);
      await delNetwork(ctx, net, pod, { netns: '' });
      await delNetwork(ctx, net, pod, { netns: null });
    },
  },
  {
    ...base,
    id: 'bridge/check',
    title: 'CHECK passes after ADD, fails once the container interface is deleted; DEL still succeeds',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      const a = await addPod(ctx, net);
      const ok = await checkNetwork(ctx, net, a.pod, { prevResult: a.result });
      expectQuietSuccess(ok.at(-1)!, 'CHECK after ADD');
      a.pod.ns.exec(['ip', 'link', 'del', 'eth0']);
      const bad = await checkNetwork(ctx, net, a.pod, { prevResult: a.result });
      expectError(bad.at(-1)!, undefined, 'CHECK after deleting eth0');
      await delNetwork(ctx, net, a.pod, { prevResult: a.result });
    },
  },
  {
    ...base,
    id: 'bridge/parallel-adds',
    title: '8 parallel ADDs get distinct addresses and working links; parallel DELs leave nothing behind',
    requires: ['root', 'ping'],
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net);
      const pods = Array.from({ length: 8 }, () => newPod(ctx));
      const results = await Promise.all(pods.map((p) => addNetwork(ctx, net, p)));
      const ips = results.map((r) => ipOf(podAddress(r)));
      ensure(new Set(ips).size === pods.length, `duplicate addresses: ${ips.sort().join(', ')}`);
      const reach = await Promise.all(pods.map((p) => canPing(p.ns, POD_GATEWAY, ctx.signal)));
      ensure(reach.every(Boolean), `pods ${reach.flatMap((ok, i) => (ok ? [] : [ips[i]])).join(', ')} cannot reach the gateway`);
      await Promise.all(pods.map((p, i) => delNetwork(ctx, net, p, { prevResult: results[i] })));
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'bridge/failed-add-del-clean',
    title: 'after an ADD that fails (IPAM exhausted) and its DEL, nothing is left on the node',
    async run(ctx) {
      // a /30 holds one pod address: the second pod's ADD fails inside IPAM, after the veth may exist
      const net = bridgeNetwork(ctx, ctx.version, { subnet: '10.88.0.0/30' });
      await warmUp(ctx, net);
      const a = await addPod(ctx, net);
      const before = await snapshotNode(ctx.node(), [ctx.dataDir]);
      const b = newPod(ctx);
      const inv = await ctx.call(ctx.bin('bridge'), { command: 'ADD', stdin: requestConf(net, net.plugins[0]!), containerId: b.containerId, netns: b.netns, ifname: 'eth0', cniPath: net.plugins[0]!.cniPath! });
      expectError(inv, undefined, 'ADD on an exhausted subnet');
      await delNetwork(ctx, net, b);
      ensure(!linkNames(b.ns).includes('eth0'), 'eth0 is still in the pod after the failed ADD and its DEL');
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], what: 'after the failed ADD and its DEL', signal: ctx.signal });
      expectAddress(a.pod.ns, 'eth0', podAddress(a.result), 'the other pod');
    },
  },
  {
    ...base,
    id: 'bridge/add-after-failed-add',
    title: 'an ADD that fails after creating the bridge, then its DEL, does not break the next ADD',
    expectedFailures: [{ impl: 'go', issue: 'plugins#620 (fix PR #1265 open)', why: "the portless bridge's MAC resets to zero and the next ADD fails with \"could not set bridge's mac\"" }],
    async run(ctx) {
      const good = bridgeNetwork(ctx, ctx.version);
      const bad: Network = { ...good, plugins: [{ ...good.plugins[0]!, conf: { ...good.plugins[0]!.conf, ipam: { type: 'host-local', subnet: '10.88.0.0/33', dataDir: ctx.dataDir } } }] };
      const p1 = newPod(ctx);
      expectError(await ctx.call(ctx.bin('bridge'), { command: 'ADD', stdin: requestConf(bad, bad.plugins[0]!), containerId: p1.containerId, netns: p1.netns, ifname: 'eth0', cniPath: bad.plugins[0]!.cniPath! }), undefined, 'ADD with subnet 10.88.0.0/33');
      await delNetworkRaw(ctx, bad, p1); // what a runtime does after a failed ADD; its outcome is not judged here
      const p2 = newPod(ctx);
      const r = await addNetwork(ctx, good, p2);
      expectAddress(p2.ns, 'eth0', podAddress(r), 'the pod');
      await delNetwork(ctx, good, p2, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'bridge/l2-only',
    title: 'without IPAM (L2 only) ADD, CHECK and DEL succeed',
    versions: versionsFrom('0.4.0'),
    expectedFailures: [{ impl: 'go', issue: 'none upstream (reference-plugins.md 2.4)', why: 'bridge CHECK always delegates to IPAM and fails with "no plugin name provided" when there is none' }],
    async run(ctx) {
      const net: Network = { name: 'conformance-l2', cniVersion: ctx.version, plugins: [{ conf: { type: 'bridge', bridge: BRIDGE }, binary: ctx.bin('bridge') }] };
      const pod = newPod(ctx);
      const r = await addNetwork(ctx, net, pod);
      ensure(linkNames(pod.ns).includes('eth0'), 'no eth0 in the pod after an L2 ADD');
      expectQuietSuccess((await checkNetwork(ctx, net, pod, { prevResult: r }))[0]!, 'CHECK of an L2 attachment');
      await delNetwork(ctx, net, pod, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'bridge/gc',
    title: 'GC removes the address and masquerade rules of attachments not listed, and keeps the listed ones',
    versions: ['1.1.0'],
    requires: ['root', 'ping'],
    expectedFailures: [{ impl: 'go', issue: 'plugins#1013', why: 'bridge implements STATUS but not GC' }],
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      await warmUp(ctx, net);
      const keep = await addPod(ctx, net);
      const before = await snapshotNode(ctx.node(), [ctx.dataDir]);
      const stale = await addPod(ctx, net);
      stale.pod.ns.remove(); // the runtime lost the pod; its netns is gone
      const gc = await gcNetwork(ctx, net, [keep.pod]);
      expectQuietSuccess(gc[0]!, 'GC');
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], what: 'after GC', signal: ctx.signal });
      await expectPing(keep.pod.ns, POD_GATEWAY, 'the kept pod -> gateway', ctx.signal);
      expectQuietSuccess((await checkNetwork(ctx, net, keep.pod, { prevResult: keep.result })).at(-1)!, 'CHECK of the kept attachment after GC');
    },
  },
  {
    ...base,
    id: 'bridge/status',
    title: 'STATUS succeeds quietly, and fails when its IPAM plugin cannot be found',
    versions: ['1.1.0'],
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version);
      expectQuietSuccess((await statusNetwork(ctx, net))[0]!, 'STATUS');
      const broken: Network = { ...net, plugins: [{ ...net.plugins[0]!, conf: { ...net.plugins[0]!.conf, ipam: { type: 'no-such-ipam-plugin' } } }] };
      expectError((await statusNetwork(ctx, broken))[0]!, undefined, 'STATUS with a missing IPAM plugin');
    },
  },
];

