// portmap: needs a prevResult and passes it through, makes a host port reachable through the
// node address (from the node and from another pod), leaves nothing behind after every DEL
// variant, CHECK, parallel pods, the real [bridge, portmap] chain, GC and STATUS
// (reference-plugins.md 4). Pods are made by hand (veth pairs) so a portmap check does not
// depend on the bridge under test, except the chain check.
import { NODE_IP } from '../context.ts';
import { ensure, expectError, expectQuietSuccess, expectResult, expectSuccess, jsonEqual } from '../expect.ts';
import { makeVethPod, startEchoServer, tcpRequest, vethPodResult, type VethPod } from '../net.ts';
import { addNetwork, checkNetwork, delNetwork, gcNetwork, requestConf, statusNetwork, type Attachment, type CapabilityArgs, type Network } from '../network.ts';
import { expectNodeClean, snapshotNode } from '../node-state.ts';
import type { Check, CheckContext, Invocation, Side } from '../types.ts';
import { versionsFrom, type SpecVersion } from '../versions.ts';
import { bridgeNetwork, newPod, portMappings, portmapConf, warmUp } from './fixtures.ts';
import { withoutEmptyDns } from './loopback.ts';

/** A network list holding only portmap (the prevResult stands in for an interface plugin). */
export function portmapNetwork(ctx: CheckContext, side: Side = 'plugins', version: SpecVersion = ctx.version): Network {
  return { name: 'conformance-net', cniVersion: version, plugins: [{ conf: portmapConf(ctx), binary: ctx.bin('portmap', side) }] };
}

/** A hand-made pod with its attachment and the result an interface plugin would have printed. */
export interface MappedPod {
  readonly vp: VethPod;
  readonly att: Attachment;
  readonly prev: Record<string, unknown>;
  readonly caps: CapabilityArgs;
  readonly hostPort: number;
}

/** Makes pod `index` and its TCP server on port 80 answering `pod-<index>`. */
export async function mappedPod(ctx: CheckContext, index: number, version: SpecVersion = ctx.version): Promise<MappedPod> {
  const vp = makeVethPod(ctx, index);
  await startEchoServer(ctx, vp.pod, 80, `pod-${index}`);
  const hostPort = 18000 + index;
  return { vp, att: { containerId: ctx.containerId(), ifname: 'eth0', netns: vp.netns }, prev: vethPodResult(vp, version), caps: portMappings(hostPort), hostPort };
}

/** Runs portmap ADD for a mapped pod. */
export function portmapAdd(ctx: CheckContext, net: Network, mp: MappedPod, opts: { prevResult?: unknown; caps?: CapabilityArgs | undefined } = {}): Promise<Invocation> {
  const prevResult = 'prevResult' in opts ? opts.prevResult : mp.prev;
  const capabilityArgs = 'caps' in opts ? opts.caps : mp.caps;
  return ctx.call(net.plugins[0]!.binary, {
    command: 'ADD',
    stdin: requestConf(net, net.plugins[0]!, { prevResult, capabilityArgs }),
    containerId: mp.att.containerId,
    netns: mp.att.netns,
    ifname: 'eth0',
  });
}

/** Fails unless NODE_IP:hostPort reaches the pod (from `from`, default the node). */
export async function expectMapped(ctx: CheckContext, mp: MappedPod, what: string, from = ctx.node()): Promise<void> {
  const got = await tcpRequest(from, NODE_IP, mp.hostPort, ctx.signal);
  ensure(got === `pod-${mp.vp.ip.split('.')[2]}`, `${what}: ${NODE_IP}:${mp.hostPort} ${got === undefined ? 'is not reachable' : `answered "${got}"`}, expected pod ${mp.vp.ip}`);
}

/** Fails if NODE_IP:hostPort still reaches the pod. */
export async function expectUnmapped(ctx: CheckContext, mp: MappedPod, what: string): Promise<void> {
  const got = await tcpRequest(ctx.node(), NODE_IP, mp.hostPort, ctx.signal);
  ensure(got === undefined, `${what}: ${NODE_IP}:${mp.hostPort} still reaches the pod ("${got}")`);
}

/** Makes the node's shared portmap state exist: one pod (number `warmIndex`) ADDed and DELed. */
async function warmUpPortmap(ctx: CheckContext, net: Network, warmIndex: number): Promise<void> {
  const w = await mappedPod(ctx, warmIndex);
  expectSuccess(await portmapAdd(ctx, net, w), 'warm-up portmap ADD');
  await delNetwork(ctx, net, w.att, { prevResult: w.prev, capabilityArgs: w.caps });
}

const base = { plugins: ['portmap'], requires: ['root', 'socat', 'ss'] } as const;

/** Shared body of the DEL checks: warm up, ADD, DEL as `del` says, then judge the node. */
async function delScenario(ctx: CheckContext, del: (net: Network, mp: MappedPod) => Promise<void>): Promise<void> {
  const net = portmapNetwork(ctx);
  await warmUpPortmap(ctx, net, 1);
  const mp = await mappedPod(ctx, 2);
  const before = await snapshotNode(ctx.node(), [ctx.dataDir]);
  expectSuccess(await portmapAdd(ctx, net, mp), 'portmap ADD');
  await expectMapped(ctx, mp, 'after ADD');
  await del(net, mp);
  await expectUnmapped(ctx, mp, 'after DEL');
  await expectNodeClean(ctx.node(), before, { signal: ctx.signal });
}

/** The portmap checks. */
export const PORTMAP_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'portmap/needs-prevresult',
    title: 'ADD with port mappings but without prevResult fails',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const net = portmapNetwork(ctx);
      const mp = await mappedPod(ctx, 1);
      expectError(await portmapAdd(ctx, net, mp, { prevResult: undefined }), undefined, 'portmap ADD without prevResult');
    },
  },
  {
    ...base,
    id: 'portmap/pass-through',
    title: 'ADD prints prevResult unchanged in the config version, with and without mappings',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const net = portmapNetwork(ctx);
      const mp = await mappedPod(ctx, 1);
      const other = await mappedPod(ctx, 2);
      for (const [label, target, caps] of [['with a mapping', mp, mp.caps], ['without mappings', other, undefined]] as const) {
        const out = expectResult(await portmapAdd(ctx, net, target, { caps }), ctx.version, `portmap ADD ${label}`);
        ensure(jsonEqual(withoutEmptyDns(out), target.prev), `portmap ADD ${label}: the output differs from prevResult: ${JSON.stringify(out)}`);
        await delNetwork(ctx, net, target.att, { prevResult: target.prev, ...(caps ? { capabilityArgs: caps } : {}) });
      }
    },
  },
  {
    ...base,
    id: 'portmap/hostport',
    title: 'a TCP port mapping is reachable from the node through the node address',
    async run(ctx) {
      const net = portmapNetwork(ctx);
      const mp = await mappedPod(ctx, 1);
      expectSuccess(await portmapAdd(ctx, net, mp), 'portmap ADD');
      await expectMapped(ctx, mp, 'from the node');
    },
  },
  {
    ...base,
    id: 'portmap/hostport-from-pod',
    title: 'a port mapping is reachable from another pod through the node address',
    async run(ctx) {
      const net = portmapNetwork(ctx);
      const server = await mappedPod(ctx, 1);
      const client = makeVethPod(ctx, 2);
      ctx.node().exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
      expectSuccess(await portmapAdd(ctx, net, server), 'portmap ADD');
      await expectMapped(ctx, server, 'from another pod', client.pod);
    },
  },
  {
    ...base,
    id: 'portmap/del-clean',
    title: 'DEL removes the mapping and every rule (nothing left on the node), and succeeds again',
    async run(ctx) {
      await delScenario(ctx, async (net, mp) => {
        await delNetwork(ctx, net, mp.att, { prevResult: mp.prev, capabilityArgs: mp.caps });
        await delNetwork(ctx, net, mp.att, { prevResult: mp.prev, capabilityArgs: mp.caps });
      });
    },
  },
  {
    ...base,
    id: 'portmap/del-no-prevresult',
    title: 'DEL without prevResult (but with the mappings) removes everything',
    async run(ctx) {
      await delScenario(ctx, (net, mp) => delNetwork(ctx, net, mp.att, { capabilityArgs: mp.caps, netns: '' }));
    },
  },
  {
    ...base,
    id: 'portmap/del-lost-cache',
    title: 'DEL with neither prevResult nor runtimeConfig (lost cache) removes everything',
    expectedFailures: [{ impl: 'go', issue: 'plugins#510 (PR #509)', why: 'portmap DEL does nothing unless runtimeConfig.portMappings is present again, so the rules leak' }],
    async run(ctx) {
      await delScenario(ctx, (net, mp) => delNetwork(ctx, net, mp.att));
    },
  },
  {
    ...base,
    id: 'portmap/check',
    title: 'CHECK passes after ADD (IPv4-only pod) and fails after DEL',
    versions: versionsFrom('0.4.0'),
    expectedFailures: [{ impl: 'go', issue: 'plugins#819 (fixed in v1.3.0)', why: 'portmap CHECK also looks for an IPv6 DNAT chain and fails for IPv4-only pods' }],
    async run(ctx) {
      const net = portmapNetwork(ctx);
      const mp = await mappedPod(ctx, 1);
      expectSuccess(await portmapAdd(ctx, net, mp), 'portmap ADD');
      expectQuietSuccess((await checkNetwork(ctx, net, mp.att, { prevResult: mp.prev, capabilityArgs: mp.caps }))[0]!, 'CHECK after ADD');
      await delNetwork(ctx, net, mp.att, { prevResult: mp.prev, capabilityArgs: mp.caps });
      expectError((await checkNetwork(ctx, net, mp.att, { prevResult: mp.prev, capabilityArgs: mp.caps }))[0]!, undefined, 'CHECK after DEL');
    },
  },
  {
    ...base,
    id: 'portmap/parallel-adds',
    title: '4 pods mapped in parallel each answer on their own host port; parallel DELs leave nothing behind',
    async run(ctx) {
      const net = portmapNetwork(ctx);
      await warmUpPortmap(ctx, net, 1);
      const pods = await Promise.all([2, 3, 4, 5].map((i) => mappedPod(ctx, i)));
      const before = await snapshotNode(ctx.node(), [ctx.dataDir]);
      const adds = await Promise.all(pods.map((mp) => portmapAdd(ctx, net, mp)));
      adds.forEach((inv, i) => expectSuccess(inv, `portmap ADD of pod ${i + 2}`));
      for (const mp of pods) await expectMapped(ctx, mp, 'after parallel ADDs');
      await Promise.all(pods.map((mp) => delNetwork(ctx, net, mp.att, { prevResult: mp.prev, capabilityArgs: mp.caps })));
      for (const mp of pods) await expectUnmapped(ctx, mp, 'after parallel DELs');
      await expectNodeClean(ctx.node(), before, { signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'portmap/chain-with-bridge',
    title: 'in the chain [bridge, portmap] the mapping reaches the bridge pod, and DEL leaves nothing behind',
    plugins: ['portmap', 'bridge', 'host-local'],
    async run(ctx) {
      const net = bridgeNetwork(ctx, ctx.version, { portmapSide: 'plugins' });
      const caps = portMappings(18080);
      const before = await warmUp(ctx, net, caps);
      const pod = newPod(ctx);
      await startEchoServer(ctx, pod.ns, 80, 'bridge-pod');
      const result = await addNetwork(ctx, net, pod, caps);
      const got = await tcpRequest(ctx.node(), NODE_IP, 18080, ctx.signal);
      ensure(got === 'bridge-pod', `${NODE_IP}:18080 ${got === undefined ? 'is not reachable' : `answered "${got}"`}`);
      await delNetwork(ctx, net, pod, { prevResult: result, capabilityArgs: caps });
      ensure((await tcpRequest(ctx.node(), NODE_IP, 18080, ctx.signal)) === undefined, `${NODE_IP}:18080 still answers after DEL`);
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'portmap/gc',
    title: 'GC removes the mappings of attachments not listed and keeps the listed ones',
    versions: ['1.1.0'],
    expectedFailures: [{ impl: 'go', issue: 'none upstream (portmap GC is a FIXME)', why: 'portmap does not implement GC (silent success)' }],
    async run(ctx) {
      const net = portmapNetwork(ctx);
      const keep = await mappedPod(ctx, 1);
      const stale = await mappedPod(ctx, 2);
      for (const mp of [keep, stale]) expectSuccess(await portmapAdd(ctx, net, mp), 'portmap ADD');
      expectQuietSuccess((await gcNetwork(ctx, net, [keep.att]))[0]!, 'GC');
      await expectUnmapped(ctx, stale, 'the stale attachment after GC');
      await expectMapped(ctx, keep, 'the kept attachment after GC');
    },
  },
  {
    ...base,
    id: 'portmap/status',
    title: 'STATUS succeeds quietly',
    versions: ['1.1.0'],
    async run(ctx) {
      expectQuietSuccess((await statusNetwork(ctx, portmapNetwork(ctx)))[0]!, 'STATUS');
    },
  },
];
