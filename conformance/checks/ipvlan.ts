// ipvlan (+ host-local). The checks that need working ipvlan links probe the kernel in a
// throwaway namespace and skip with the reason when it has none (this project's test kernel has
// no CONFIG_IPVLAN); on such a kernel, ADD must fail cleanly: an error, the pod unchanged, no
// address held. Bad input is refused before the kernel is asked.
import { dirname } from 'node:path';
import { ensure, expectError, expectQuietSuccess, expectResult } from '../expect.ts';
import { expectPing } from '../net.ts';
import { addNetwork, checkNetwork, delNetwork, requestConf, type Network } from '../network.ts';
import { expectNodeClean, snapshotNode } from '../node-state.ts';
import { resultAddresses } from '../shape.ts';
import type { Check, CheckContext, Invocation, Side } from '../types.ts';
import { hasChaining, SPEC_VERSIONS, type SpecVersion, versionsFrom } from '../versions.ts';
import { expectAddress, ipamConf, linkNames, newPod, type Pod, warmUp } from './fixtures.ts';
import { CHILD_MASTER, childDetails } from './macvlan.ts';

/** The pod subnet of ipvlan checks. */
export const IPVLAN_SUBNET = '10.91.0.0/24';

/** The ipvlan plugin object: l2 on the node's uplink, host-local with the check's dataDir. */
export function ipvlanConf(ctx: CheckContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'ipvlan', master: CHILD_MASTER, mode: 'l2', ipam: ipamConf(ctx, { subnet: IPVLAN_SUBNET }), ...extra };
}

function ipvlanNetwork(ctx: CheckContext, version: SpecVersion, conf: Record<string, unknown> = {}, side: Side = 'plugins'): Network {
  const bin = ctx.bin('ipvlan', side);
  const ipamDir = dirname(ctx.bin('host-local', side));
  return { name: 'conformance-ipvlan', cniVersion: version, plugins: [{ conf: ipvlanConf(ctx, conf), binary: bin, cniPath: [ipamDir, dirname(bin)].join(':') }] };
}

/** Undefined when the kernel can make an ipvlan (tried on the node's uplink in a throwaway namespace), else why not. */
function missingIpvlan(ctx: CheckContext): string | undefined {
  const ns = ctx.namespace('ipvprobe');
  ns.exec(['ip', 'link', 'add', 'pr0', 'type', 'veth', 'peer', 'name', 'pr0p']);
  const r = ns.tryExec(['ip', 'link', 'add', 'ipv0', 'link', 'pr0', 'type', 'ipvlan', 'mode', 'l2']);
  return r.code === 0 ? undefined : `the kernel has no ipvlan (CONFIG_IPVLAN): ${r.stderr.trim()}`;
}

function needIpvlan(ctx: CheckContext): void {
  const missing = missingIpvlan(ctx);
  if (missing) ctx.skip(missing);
}

function add(ctx: CheckContext, net: Network, pod: Pod): Promise<Invocation> {
  const plugin = net.plugins[0]!;
  return ctx.call(plugin.binary, { command: 'ADD', stdin: requestConf(net, plugin), containerId: pod.containerId, netns: pod.netns, ifname: pod.ifname, cniPath: plugin.cniPath! });
}

const base = { plugins: ['ipvlan', 'host-local'], requires: ['root'] } as const;

/** The ipvlan checks. */
export const IPVLAN_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'ipvlan/no-kernel-support',
    title: 'on a kernel without ipvlan, ADD fails and leaves the pod and the node as they were (no address held)',
    async run(ctx) {
      if (!missingIpvlan(ctx)) ctx.skip('the kernel has ipvlan');
      const net = ipvlanNetwork(ctx, ctx.version);
      const before = await snapshotNode(ctx.node(), [ctx.dataDir]);
      const pod = newPod(ctx);
      const e = expectError(await add(ctx, net, pod), undefined, 'ipvlan ADD without kernel support');
      ctx.note(`error: ${e.code} ${e.msg}`);
      ensure(linkNames(pod.ns).join(',') === 'lo', `the pod has ${linkNames(pod.ns).join(',')} after the failed ADD`);
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal, what: 'after the failed ADD' });
    },
  },
  {
    ...base,
    id: 'ipvlan/bad-master',
    title: 'a master that does not exist, or loopback, is refused (code 7) and nothing is created',
    expectedFailures: [{ impl: 'go', plugin: 'ipvlan', issue: 'none upstream', why: 'Go answers a missing or loopback master with code 999 (its lookup or the kernel\'s error), not 7' }],
    async run(ctx) {
      const before = await snapshotNode(ctx.node(), [ctx.dataDir]);
      for (const master of ['nosuch0', 'lo']) {
        const pod = newPod(ctx);
        expectError(await add(ctx, ipvlanNetwork(ctx, ctx.version, { master }), pod), 7, `ipvlan ADD with master ${master}`);
        ensure(linkNames(pod.ns).join(',') === 'lo', `the pod has ${linkNames(pod.ns).join(',')} after a refused ADD`);
      }
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal, what: 'after refused ADDs' });
    },
  },
  {
    ...base,
    id: 'ipvlan/add',
    title: 'ADD prints the config version shape (one interface, in the pod) and makes an l2 ipvlan of the master with the address (needs a kernel with ipvlan)',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      needIpvlan(ctx);
      const net = ipvlanNetwork(ctx, ctx.version);
      const pod = newPod(ctx);
      const r = expectResult(await add(ctx, net, pod), ctx.version, 'ipvlan ADD');
      const addr = resultAddresses(r)[0] ?? '';
      expectAddress(pod.ns, 'eth0', addr, 'the pod');
      const d = childDetails(pod.ns, 'eth0');
      ensure(d.kind === 'ipvlan', `eth0 in the pod is ${JSON.stringify(d)}, expected an ipvlan`);
      if (hasChaining(ctx.version)) {
        const ifs = r.interfaces as Record<string, unknown>[] | undefined;
        ensure(Array.isArray(ifs) && ifs.length === 1 && ifs[0]?.sandbox === pod.netns, `expected interfaces [eth0 in ${pod.netns}], got ${JSON.stringify(ifs)}`);
      }
      await delNetwork(ctx, net, pod, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'ipvlan/connectivity-check-del',
    title: 'two pods reach each other; CHECK passes and fails once the address is gone; DEL leaves nothing (needs a kernel with ipvlan)',
    versions: versionsFrom('0.4.0'),
    requires: ['root', 'ping'],
    async run(ctx) {
      needIpvlan(ctx);
      const net = ipvlanNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net);
      const a = newPod(ctx);
      const b = newPod(ctx);
      const ra = await addNetwork(ctx, net, a);
      const rb = await addNetwork(ctx, net, b);
      await expectPing(a.ns, (resultAddresses(rb)[0] ?? '').split('/')[0] ?? '', 'pod A -> pod B', ctx.signal);
      expectQuietSuccess((await checkNetwork(ctx, net, a, { prevResult: ra })).at(-1)!, 'CHECK after ADD');
      a.ns.exec(['ip', 'addr', 'flush', 'dev', 'eth0', 'scope', 'global']);
      expectError((await checkNetwork(ctx, net, a, { prevResult: ra })).at(-1)!, undefined, 'CHECK after removing the address');
      await delNetwork(ctx, net, a, { prevResult: ra });
      await delNetwork(ctx, net, b, { prevResult: rb });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
];
