// The interop tier: chains that mix the implementation under test (--plugins) with an
// independent one (--reference), and DELs by one implementation of what the other ADDed. On-host
// state (IPAM files, chain names, rule comments) is a contract between implementations: a node
// upgraded from one to the other must still clean up its existing pods.
import { NODE_IP } from '../context.ts';
import { ensure, expectQuietSuccess } from '../expect.ts';
import { expectPing, startEchoServer, tcpRequest } from '../net.ts';
import { addNetwork, checkNetwork, delNetwork, type CapabilityArgs, type Network } from '../network.ts';
import { expectNodeClean, snapshotNode } from '../node-state.ts';
import type { Check, CheckContext, PluginName, Side } from '../types.ts';
import { resultAddresses } from '../shape.ts';
import { hasCheck } from '../versions.ts';
import { bridgeNetwork, newPod, portMappings } from './fixtures.ts';
import { expectMapped, expectUnmapped, mappedPod, portmapAdd, portmapNetwork } from './portmap.ts';

const other = (s: Side): Side => (s === 'plugins' ? 'reference' : 'plugins');

function sides(bridge: Side, ipam: Side, portmap?: Side): { plugins: PluginName[]; refPlugins: PluginName[] } {
  const plugins: PluginName[] = [];
  const refPlugins: PluginName[] = [];
  const add = (name: PluginName, s: Side): void => void (s === 'plugins' ? plugins : refPlugins).push(name);
  add('bridge', bridge);
  add('host-local', ipam);
  if (portmap) add('portmap', portmap);
  return { plugins, refPlugins };
}

/** How ids and titles name a side: the implementation under test or the reference. */
function who(s: Side): string {
  return s === 'plugins' ? 'tested' : 'reference';
}

/** A mixed [bridge(+host-local)] network: two pods talk, CHECK passes, DEL leaves nothing. */
function mixedBridge(bridge: Side, ipam: Side): Check {
  return {
    id: `interop/bridge-${who(bridge)}+host-local-${who(ipam)}`,
    title: `${who(bridge)} bridge delegating to ${who(ipam)} host-local: pods talk, CHECK passes, DEL leaves nothing`,
    ...sides(bridge, ipam),
    requires: ['root', 'ping'],
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version, { bridgeSide: bridge, ipamSide: ipam });
      const warm = newPod(ctx);
      await delNetwork(ctx, net, warm, { prevResult: await addNetwork(ctx, net, warm) });
      const before = await snapshotNode(ctx.node(), [ctx.dataDir]);
      const a = newPod(ctx);
      const b = newPod(ctx);
      const ra = await addNetwork(ctx, net, a);
      const rb = await addNetwork(ctx, net, b);
      const ipB = (resultAddresses(rb)[0] ?? '').split('/')[0] as string;
      await expectPing(a.ns, ipB, 'pod A -> pod B', ctx.signal);
      if (hasCheck(ctx.version)) expectQuietSuccess((await checkNetwork(ctx, net, a, { prevResult: ra })).at(-1)!, 'CHECK');
      await delNetwork(ctx, net, a, { prevResult: ra });
      await delNetwork(ctx, net, b, { prevResult: rb });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  };
}

/** A mixed [bridge, portmap] chain: the mapping reaches the pod, DEL leaves nothing. */
function mixedChain(bridge: Side, portmap: Side): Check {
  return {
    id: `interop/bridge-${who(bridge)}+portmap-${who(portmap)}`,
    title: `${who(bridge)} bridge chained with ${who(portmap)} portmap: the mapping works, DEL leaves nothing`,
    ...sides(bridge, bridge, portmap),
    requires: ['root', 'socat', 'ss'],
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version, { bridgeSide: bridge, portmapSide: portmap });
      const caps = portMappings(18080);
      const warm = newPod(ctx);
      await delNetwork(ctx, net, warm, { prevResult: await addNetwork(ctx, net, warm, caps), capabilityArgs: caps });
      const before = await snapshotNode(ctx.node(), [ctx.dataDir]);
      const pod = newPod(ctx);
      await startEchoServer(ctx, pod.ns, 80, 'mixed-pod');
      const result = await addNetwork(ctx, net, pod, caps);
      const got = await tcpRequest(ctx.node(), NODE_IP, 18080, ctx.signal);
      ensure(got === 'mixed-pod', `${NODE_IP}:18080 ${got === undefined ? 'is not reachable' : `answered "${got}"`}`);
      await delNetwork(ctx, net, pod, { prevResult: result, capabilityArgs: caps });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  };
}

/** Warm both implementations up on the same node, so each one's shared state exists. */
async function warmBoth(ctx: CheckContext, nets: readonly Network[], caps?: CapabilityArgs): Promise<string[]> {
  for (const net of nets) {
    const warm = newPod(ctx);
    await delNetwork(ctx, net, warm, { prevResult: await addNetwork(ctx, net, warm, caps), ...(caps ? { capabilityArgs: caps } : {}) });
  }
  return snapshotNode(ctx.node(), [ctx.dataDir]);
}

/** ADD by one implementation of bridge+host-local, DEL by the other. */
function crossDelBridge(adder: Side): Check {
  const deleter = other(adder);
  return {
    id: `interop/del-by-${who(deleter)}/bridge`,
    title: `DEL by the ${who(deleter)} bridge of a pod the ${who(adder)} bridge ADDed leaves nothing on the node`,
    plugins: ['bridge', 'host-local'],
    refPlugins: ['bridge', 'host-local'],
    requires: ['root'],
    async run(ctx) {
      const addNet = bridgeNetwork(ctx, ctx.version, { bridgeSide: adder });
      const delNet = bridgeNetwork(ctx, ctx.version, { bridgeSide: deleter });
      const before = await warmBoth(ctx, [addNet, delNet]);
      const pod = newPod(ctx);
      const result = await addNetwork(ctx, addNet, pod);
      await delNetwork(ctx, delNet, pod, { prevResult: result });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  };
}

/** ADD by one host-local, DEL by the other: the reservation is gone and reusable. */
function crossDelHostLocal(adder: Side): Check {
  const deleter = other(adder);
  return {
    id: `interop/del-by-${who(deleter)}/host-local`,
    title: `DEL by the ${who(deleter)} host-local of an address the ${who(adder)} host-local allocated releases it`,
    plugins: ['host-local'],
    refPlugins: ['host-local'],
    requires: ['root'],
    async run(ctx) {
      const net = (s: Side): Network => ({
        name: 'conformance-net',
        cniVersion: ctx.version,
        plugins: [{ conf: { type: 'host-local', ipam: { type: 'host-local', subnet: '10.77.0.0/30', dataDir: ctx.dataDir } }, binary: ctx.bin('host-local', s) }],
      });
      const before = await warmBoth(ctx, [net(adder), net(deleter)]);
      const pod = newPod(ctx);
      const result = await addNetwork(ctx, net(adder), pod);
      await delNetwork(ctx, net(deleter), pod, { prevResult: result });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
      // the /30 holds one address: both implementations must be able to hand it out again
      for (const s of [adder, deleter]) {
        const p = newPod(ctx);
        await delNetwork(ctx, net(s), p, { prevResult: await addNetwork(ctx, net(s), p) });
      }
    },
  };
}

/** ADD by one portmap, DEL by the other: the mapping and its rules are gone. */
function crossDelPortmap(adder: Side): Check {
  const deleter = other(adder);
  return {
    id: `interop/del-by-${who(deleter)}/portmap`,
    title: `DEL by the ${who(deleter)} portmap of a mapping the ${who(adder)} portmap installed removes it`,
    plugins: ['portmap'],
    refPlugins: ['portmap'],
    requires: ['root', 'socat', 'ss'],
    async run(ctx) {
      const addNet = portmapNetwork(ctx, adder);
      const delNet = portmapNetwork(ctx, deleter);
      let i = 1;
      for (const net of [addNet, delNet]) {
        const w = await mappedPod(ctx, i++);
        await portmapAdd(ctx, net, w);
        await delNetwork(ctx, net, w.att, { prevResult: w.prev, capabilityArgs: w.caps });
      }
      const mp = await mappedPod(ctx, i);
      const before = await snapshotNode(ctx.node(), [ctx.dataDir]);
      ensure((await portmapAdd(ctx, addNet, mp)).code === 0, `the ${who(adder)} portmap ADD failed`);
      await expectMapped(ctx, mp, `after the ${who(adder)} ADD`);
      await delNetwork(ctx, delNet, mp.att, { prevResult: mp.prev, capabilityArgs: mp.caps });
      await expectUnmapped(ctx, mp, `after the ${who(deleter)} DEL`);
      await expectNodeClean(ctx.node(), before, { signal: ctx.signal });
    },
  };
}

/** The interop checks (they need --reference). */
export const INTEROP_CHECKS: readonly Check[] = [
  mixedBridge('plugins', 'reference'),
  mixedBridge('reference', 'plugins'),
  mixedChain('plugins', 'reference'),
  mixedChain('reference', 'plugins'),
  crossDelBridge('plugins'),
  crossDelBridge('reference'),
  crossDelHostLocal('plugins'),
  crossDelHostLocal('reference'),
  crossDelPortmap('plugins'),
  crossDelPortmap('reference'),
];
