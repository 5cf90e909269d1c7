// bandwidth (meta, chained after an interface plugin): needs prevResult; passes it through, plus
// the ifb when egress is shaped; a root tbf with the configured rate on the host veth (ingress)
// and on the ifb the host veth's ingress traffic is redirected to (egress); the `bandwidth`
// capability as kubelet sends it; DEL removing the ifb (also with the pod's namespace gone);
// CHECK; bad rates refused with code 7 before anything changes. Pods are made by hand (a veth
// pair, as the firewall checks do) except in the chain check, which runs behind the bridge under
// test. Rates are read with `tc -j` in the node namespace, where tbf's rate is in bytes/s.
import type { TestNamespace } from '../../lib/testing/index.ts';
import { ensure, expectError, expectQuietSuccess, expectResult, jsonEqual } from '../expect.ts';
import { makeVethPod, vethPodResult, type VethPod } from '../net.ts';
import { addNetwork, checkNetwork, delNetwork, requestConf, type Attachment, type CapabilityArgs, type Network } from '../network.ts';
import { expectNodeClean } from '../node-state.ts';
import { resultProblems } from '../shape.ts';
import type { Check, CheckContext, Invocation } from '../types.ts';
import { versionsFrom, type SpecVersion } from '../versions.ts';
import { bridgeNetwork, linkNames, newPod, warmUp } from './fixtures.ts';
import { withoutEmptyDns } from './loopback.ts';

/** 8 Mbit/s into the pod (1 000 000 bytes/s to tc), 16 Mbit/s out of it; bursts in bits. */
const SHAPE = { ingressRate: 8_000_000, ingressBurst: 80_000, egressRate: 16_000_000, egressBurst: 80_000 };
const INGRESS_BYTES = 1_000_000;
const EGRESS_BYTES = 2_000_000;

/** A network list holding only bandwidth (the prevResult stands in for an interface plugin). */
function bwNetwork(ctx: CheckContext, extra: Record<string, unknown> = SHAPE, version: SpecVersion = ctx.version): Network {
  return { name: 'conformance-net', cniVersion: version, plugins: [{ conf: { type: 'bandwidth', capabilities: { bandwidth: true }, ...extra }, binary: ctx.bin('bandwidth') }] };
}

/** A hand-made pod with its attachment and the result an interface plugin would have printed. */
interface ShapedPod {
  readonly vp: VethPod;
  readonly att: Attachment;
  readonly prev: Record<string, unknown>;
}

function shapedPod(ctx: CheckContext, index = 1): ShapedPod {
  const vp = makeVethPod(ctx, index);
  return { vp, att: { containerId: ctx.containerId(), ifname: 'eth0', netns: vp.netns }, prev: vethPodResult(vp, ctx.version) };
}

/** Runs bandwidth ADD for a pod (prevResult: the pod's unless given). */
function bwAdd(ctx: CheckContext, net: Network, sp: ShapedPod, opts: { prevResult?: unknown; caps?: CapabilityArgs } = {}): Promise<Invocation> {
  const prevResult = 'prevResult' in opts ? opts.prevResult : sp.prev;
  return ctx.call(net.plugins[0]!.binary, {
    command: 'ADD',
    stdin: requestConf(net, net.plugins[0]!, { prevResult, capabilityArgs: opts.caps }),
    containerId: sp.att.containerId,
    netns: sp.att.netns,
    ifname: 'eth0',
  });
}

interface Qdisc {
  kind: string;
  handle?: string;
  root?: boolean;
  options?: { rate?: number };
}

/** The qdiscs of `dev` in `ns` ([] when the device does not exist). */
function qdiscs(ns: TestNamespace, dev: string): Qdisc[] {
  const r = ns.tryExec(['tc', '-j', 'qdisc', 'show', 'dev', dev]);
  return r.code === 0 ? (JSON.parse(r.stdout || '[]') as Qdisc[]) : [];
}

/** The qdiscs this plugin adds: tbf (at the root) and ingress; the kernel's defaults are ignored. */
function shapingQdiscs(ns: TestNamespace, dev: string): string[] {
  return qdiscs(ns, dev).filter((q) => q.kind === 'tbf' || q.kind === 'ingress').map((q) => `${q.kind}${q.root ? ' root' : ''} ${q.handle ?? ''}`);
}

/** Fails unless `dev` has a root tbf at `bytesPerSecond`. */
function expectRootTbf(ns: TestNamespace, dev: string, bytesPerSecond: number, what: string): void {
  const all = qdiscs(ns, dev);
  const tbf = all.find((q) => q.kind === 'tbf' && q.root);
  ensure(tbf !== undefined, `${what}: no root tbf on ${dev}: ${JSON.stringify(all)}`);
  ensure(tbf.options?.rate === bytesPerSecond, `${what}: the root tbf of ${dev} has rate ${tbf.options?.rate} bytes/s, expected ${bytesPerSecond}`);
}

/** The ifbs in `ns`. */
function ifbs(ns: TestNamespace): string[] {
  const links = JSON.parse(ns.exec(['ip', '-j', '-d', 'link', 'show', 'type', 'ifb']) || '[]') as { ifname: string }[];
  return links.map((l) => l.ifname);
}

/** The interface the result appended to prevResult's (the ifb), after checking the rest is unchanged. */
function appendedIfb(out: Record<string, unknown>, prev: Record<string, unknown>, what: string): string {
  const prevIfs = prev.interfaces as unknown[];
  const outIfs = out.interfaces as { name?: string; mac?: string }[] | undefined;
  ensure(Array.isArray(outIfs) && outIfs.length === prevIfs.length + 1, `${what}: expected prevResult's ${prevIfs.length} interfaces plus the ifb, got ${JSON.stringify(outIfs)}`);
  ensure(jsonEqual(outIfs.slice(0, prevIfs.length), prevIfs), `${what}: prevResult's interfaces changed: ${JSON.stringify(outIfs)}`);
  const ifb = outIfs[prevIfs.length]!;
  ensure(typeof ifb.name === 'string' && typeof ifb.mac === 'string', `${what}: the appended interface lacks name or mac: ${JSON.stringify(ifb)}`);
  const rest = (r: Record<string, unknown>) => withoutEmptyDns({ ...r, interfaces: undefined });
  ensure(jsonEqual(rest(out), rest(prev)), `${what}: the result differs from prevResult beyond the ifb: ${JSON.stringify(out)}`);
  return ifb.name;
}

const base = { plugins: ['bandwidth'], requires: ['root'], versions: versionsFrom('0.3.0') } as const;
const once = { plugins: ['bandwidth'], requires: ['root'] } as const;

/** ADD with both directions shaped; returns the ifb's name from the result. */
async function shapeBoth(ctx: CheckContext, net: Network, sp: ShapedPod, caps?: CapabilityArgs): Promise<string> {
  const out = expectResult(await bwAdd(ctx, net, sp, caps ? { caps } : {}), ctx.version, 'bandwidth ADD');
  return appendedIfb(out, sp.prev, 'bandwidth ADD');
}

/** ADD, CHECK (passes), `tamper` with the host veth, CHECK (must fail). */
async function checkScenario(ctx: CheckContext, tamper: (node: TestNamespace, dev: string) => void, what: string): Promise<void> {
  const sp = shapedPod(ctx);
  const net = bwNetwork(ctx);
  const out = expectResult(await bwAdd(ctx, net, sp), ctx.version, 'bandwidth ADD');
  expectQuietSuccess((await checkNetwork(ctx, net, sp.att, { prevResult: out }))[0]!, 'CHECK after ADD');
  tamper(ctx.node(), sp.vp.hostIf);
  expectError((await checkNetwork(ctx, net, sp.att, { prevResult: out }))[0]!, undefined, `CHECK after ${what} of ${sp.vp.hostIf}`);
}

/** A bad-input check: ADD with `extra` is code 7 and leaves no qdisc and no ifb. */
function badInput(id: string, title: string, extras: readonly Record<string, unknown>[], why: string): Check {
  return {
    ...once,
    id,
    title,
    expectedFailures: [{ impl: 'go', issue: 'none upstream', why }],
    async run(ctx) {
      const node = ctx.node();
      const sp = shapedPod(ctx);
      const links = linkNames(node).sort();
      for (const extra of extras) {
        expectError(await bwAdd(ctx, bwNetwork(ctx, extra), sp), 7, `bandwidth ADD with ${JSON.stringify(extra)}`);
        ensure(shapingQdiscs(node, sp.vp.hostIf).length === 0, `after the refused ADD with ${JSON.stringify(extra)} ${sp.vp.hostIf} has ${shapingQdiscs(node, sp.vp.hostIf).join(', ')}`);
        ensure(jsonEqual(linkNames(node).sort(), links), `the refused ADD with ${JSON.stringify(extra)} changed the node's links: ${linkNames(node).join(', ')}`);
      }
    },
  };
}

/** The bandwidth checks. */
export const BANDWIDTH_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'bandwidth/needs-prevresult',
    title: 'ADD without prevResult fails and shapes nothing',
    async run(ctx) {
      const sp = shapedPod(ctx);
      expectError(await bwAdd(ctx, bwNetwork(ctx), sp, { prevResult: undefined }), undefined, 'bandwidth ADD without prevResult');
      ensure(shapingQdiscs(ctx.node(), sp.vp.hostIf).length === 0, `the failed ADD left ${shapingQdiscs(ctx.node(), sp.vp.hostIf).join(', ')} on ${sp.vp.hostIf}`);
      ensure(ifbs(ctx.node()).length === 0, `the failed ADD left an ifb: ${ifbs(ctx.node()).join(', ')}`);
    },
  },
  {
    ...base,
    id: 'bandwidth/pass-through',
    title: 'ADD prints prevResult unchanged when only ingress is shaped, and with the ifb appended when egress is',
    async run(ctx) {
      const sp = shapedPod(ctx);
      const ingressOnly = bwNetwork(ctx, { ingressRate: SHAPE.ingressRate, ingressBurst: SHAPE.ingressBurst });
      const out = expectResult(await bwAdd(ctx, ingressOnly, sp), ctx.version, 'bandwidth ADD (ingress only)');
      ensure(jsonEqual(withoutEmptyDns(out), sp.prev), `bandwidth ADD (ingress only): the output differs from prevResult: ${JSON.stringify(out)}`);
      // a second pod: Go leaves the first one's tbf behind after DEL (see del-qdiscs)
      const sp2 = shapedPod(ctx, 2);
      const ifb = await shapeBoth(ctx, bwNetwork(ctx), sp2);
      ensure(ifbs(ctx.node()).includes(ifb), `the result names ifb ${ifb}, but the node's ifbs are ${ifbs(ctx.node()).join(', ') || 'none'}`);
    },
  },
  {
    ...once,
    id: 'bandwidth/qdiscs',
    title: 'a root tbf at the ingress rate on the host veth; its traffic from the pod redirected (ingress qdisc) to an ifb with a root tbf at the egress rate',
    async run(ctx) {
      const node = ctx.node();
      const sp = shapedPod(ctx);
      const ifb = await shapeBoth(ctx, bwNetwork(ctx), sp);
      expectRootTbf(node, sp.vp.hostIf, INGRESS_BYTES, 'ingress');
      ensure(qdiscs(node, sp.vp.hostIf).some((q) => q.kind === 'ingress'), `no ingress qdisc on ${sp.vp.hostIf}: ${JSON.stringify(qdiscs(node, sp.vp.hostIf))}`);
      ensure(ifbs(node).includes(ifb), `the ifb ${ifb} of the result is not an ifb of the node (${ifbs(node).join(', ') || 'none'})`);
      expectRootTbf(node, ifb, EGRESS_BYTES, 'egress');
      ensure(shapingQdiscs(sp.vp.pod, 'eth0').length === 0, `the pod's eth0 got qdiscs: ${shapingQdiscs(sp.vp.pod, 'eth0').join(', ')}`);
    },
  },
  {
    ...once,
    id: 'bandwidth/capability',
    title: 'the bandwidth capability as kubelet sends it (runtimeConfig.bandwidth, burst 2^31-1 bits) shapes both directions',
    async run(ctx) {
      const node = ctx.node();
      const sp = shapedPod(ctx);
      const caps = { bandwidth: { ingressRate: SHAPE.ingressRate, ingressBurst: 2147483647, egressRate: SHAPE.egressRate, egressBurst: 2147483647 } };
      const net = bwNetwork(ctx, {});
      const ifb = await shapeBoth(ctx, net, sp, caps);
      expectRootTbf(node, sp.vp.hostIf, INGRESS_BYTES, 'ingress from runtimeConfig.bandwidth');
      expectRootTbf(node, ifb, EGRESS_BYTES, 'egress from runtimeConfig.bandwidth');
      await delNetwork(ctx, net, sp.att, { prevResult: sp.prev, capabilityArgs: caps });
      ensure(!ifbs(node).includes(ifb), `DEL left the ifb ${ifb}`);
    },
  },
  {
    ...base,
    id: 'bandwidth/del',
    title: 'DEL removes the ifb, and succeeds again, without prevResult and with the netns unset',
    async run(ctx) {
      const sp = shapedPod(ctx);
      const net = bwNetwork(ctx);
      const ifb = await shapeBoth(ctx, net, sp);
      await delNetwork(ctx, net, sp.att, { prevResult: sp.prev });
      ensure(!ifbs(ctx.node()).includes(ifb), `DEL left the ifb ${ifb}`);
      await delNetwork(ctx, net, sp.att, { prevResult: sp.prev });
      await delNetwork(ctx, net, sp.att);
      await delNetwork(ctx, net, sp.att, { netns: null });
    },
  },
  {
    ...once,
    id: 'bandwidth/del-qdiscs',
    title: 'DEL while the host veth still exists removes its tbf and ingress qdisc',
    expectedFailures: [{ impl: 'go', issue: 'none upstream', why: 'Go leaves the host veth\'s qdiscs until the interface plugin deletes the veth' }],
    async run(ctx) {
      const sp = shapedPod(ctx);
      const net = bwNetwork(ctx);
      await shapeBoth(ctx, net, sp);
      await delNetwork(ctx, net, sp.att, { prevResult: sp.prev });
      const left = shapingQdiscs(ctx.node(), sp.vp.hostIf);
      ensure(left.length === 0, `DEL left ${left.join(', ')} on ${sp.vp.hostIf}`);
    },
  },
  {
    ...once,
    id: 'bandwidth/del-netns-gone',
    title: 'DEL after the pod namespace (and with it the veth) is gone, and with CNI_NETNS empty, removes the ifb',
    async run(ctx) {
      const sp = shapedPod(ctx);
      const net = bwNetwork(ctx);
      const ifb = await shapeBoth(ctx, net, sp);
      sp.vp.pod.remove();
      await delNetwork(ctx, net, sp.att, { prevResult: sp.prev });
      ensure(!ifbs(ctx.node()).includes(ifb), `DEL with the netns gone left the ifb ${ifb}`);
      await delNetwork(ctx, net, sp.att, { prevResult: sp.prev, netns: '' });
    },
  },
  {
    ...base,
    id: 'bandwidth/check',
    title: 'CHECK passes after ADD and fails once the host veth\'s tbf got another rate by hand',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      await checkScenario(ctx, (node, dev) => node.exec(['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'tbf', 'rate', '4mbit', 'burst', '10kb', 'latency', '25ms']), 'changing the root tbf\'s rate');
    },
  },
  {
    ...once,
    id: 'bandwidth/check-tbf-gone',
    title: 'CHECK fails once the host veth\'s tbf was deleted by hand',
    expectedFailures: [{ impl: 'go', issue: 'none upstream', why: 'Go\'s CHECK stops at the first qdisc that is not a tbf, so a missing tbf passes' }],
    async run(ctx) {
      await checkScenario(ctx, (node, dev) => node.exec(['tc', 'qdisc', 'del', 'dev', dev, 'root']), 'deleting the root tbf');
    },
  },
  badInput('bandwidth/bad-negative-rate', 'a negative rate or burst is code 7 and shapes nothing', [
    { ingressRate: -8_000_000, ingressBurst: 80_000 },
    { egressRate: 16_000_000, egressBurst: -1 },
  ], 'Go answers 999: the negative number does not decode into its unsigned field'),
  badInput('bandwidth/bad-rate-without-burst', 'a rate without a burst, or a burst without a rate, is code 7 and shapes nothing', [
    { ingressRate: 8_000_000 },
    { egressBurst: 80_000 },
  ], 'Go answers 999 ("if rate is set, burst must also be set")'),
  {
    plugins: ['bandwidth', 'bridge', 'host-local'],
    requires: ['root'],
    id: 'bandwidth/bridge-chain',
    title: 'behind the bridge under test: the ifb ends the result, the pod\'s host veth is shaped, and DEL of the list leaves nothing on the node',
    async run(ctx) {
      const bridgeNet = bridgeNetwork(ctx, ctx.version);
      const net: Network = { ...bridgeNet, plugins: [...bridgeNet.plugins, ...bwNetwork(ctx).plugins] };
      const before = await warmUp(ctx, net);
      const pod = newPod(ctx);
      const r = await addNetwork(ctx, net, pod);
      const problems = resultProblems(r, ctx.version);
      ensure(problems.length === 0, `the list's ADD result does not match ${ctx.version}: ${problems.slice(0, 4).join('; ')}`);
      const ifaces = r.interfaces as { name: string; sandbox?: string }[];
      const ifb = ifaces[ifaces.length - 1]!.name;
      ensure(ifbs(ctx.node()).includes(ifb), `the result's last interface ${ifb} is not an ifb of the node: ${JSON.stringify(ifaces)}`);
      const hostVeth = ifaces.find((i, n) => n > 0 && !i.sandbox && i.name !== ifb)?.name;
      ensure(hostVeth !== undefined, `no host veth in the result: ${JSON.stringify(ifaces)}`);
      expectRootTbf(ctx.node(), hostVeth, INGRESS_BYTES, 'ingress behind bridge');
      expectRootTbf(ctx.node(), ifb, EGRESS_BYTES, 'egress behind bridge');
      for (const inv of await checkNetwork(ctx, net, pod, { prevResult: r })) expectQuietSuccess(inv, 'CHECK of the list');
      await delNetwork(ctx, net, pod, { prevResult: r });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
];
