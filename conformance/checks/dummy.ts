// dummy (+ host-local): a dummy interface in the pod carrying IPAM's addresses (other-plugins.md
// 11). The kernel may lack the dummy driver (CONFIG_DUMMY; this machine's does): each check that
// needs it asks a throwaway namespace for one first and skips with that reason; refusing a
// configuration without IPAM needs no driver.
import { ensure, expectError, expectQuietSuccess, expectResult } from '../expect.ts';
import { addNetwork, checkNetwork, delNetwork, requestConf, statusNetwork, type Network } from '../network.ts';
import { expectNodeClean } from '../node-state.ts';
import { resultAddresses } from '../shape.ts';
import type { Check, CheckContext, Invocation } from '../types.ts';
import { hasChaining, SPEC_VERSIONS, type SpecVersion, versionsFrom } from '../versions.ts';
import { expectAddress, ipamConf, linkNames, newPod, type Pod, warmUp } from './fixtures.ts';

const DUMMY_SUBNET = '10.86.0.0/24';

/** Skips the check when the kernel cannot make a dummy link (tried in a throwaway namespace). */
function requireDummyDriver(ctx: CheckContext): void {
  const probe = ctx.namespace('dummy-probe');
  if (probe.tryExec(['ip', 'link', 'add', 'probe0', 'type', 'dummy']).code !== 0) {
    ctx.skip('this kernel has no dummy network driver (CONFIG_DUMMY, module dummy)');
  }
}

function dummyNetwork(ctx: CheckContext, version: SpecVersion, conf: Record<string, unknown> = {}): Network {
  return {
    name: 'conformance-dummy',
    cniVersion: version,
    plugins: [{ conf: { type: 'dummy', ipam: ipamConf(ctx, { subnet: DUMMY_SUBNET }), ...conf }, binary: ctx.bin('dummy'), cniPath: ctx.dirs.plugins }],
  };
}

function dummyCall(ctx: CheckContext, net: Network, pod: Pod, conf: Record<string, unknown>): Promise<Invocation> {
  const plugin = { ...net.plugins[0]!, conf };
  return ctx.call(plugin.binary, { command: 'ADD', stdin: requestConf(net, plugin), containerId: pod.containerId, netns: pod.netns, ifname: pod.ifname, cniPath: plugin.cniPath! });
}

const base = { plugins: ['dummy', 'host-local'], requires: ['root'] } as const;

/** The dummy checks. */
export const DUMMY_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'dummy/add',
    title: 'ADD makes an up dummy interface carrying the IPAM address, the result in the config version\'s shape; DEL leaves nothing',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      requireDummyDriver(ctx);
      const net = dummyNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net); // host-local's files of the network are there from the first ADD on
      const pod = newPod(ctx, 'dummy0');
      const r = expectResult(await dummyCall(ctx, net, pod, net.plugins[0]!.conf), ctx.version, 'dummy ADD');
      const addr = resultAddresses(r)[0] ?? '';
      expectAddress(pod.ns, 'dummy0', addr, 'the pod');
      const link = (JSON.parse(pod.ns.exec(['ip', '-j', '-d', 'link', 'show', 'dummy0'])) as { flags: string[]; linkinfo?: { info_kind?: string } }[])[0];
      ensure(link?.linkinfo?.info_kind === 'dummy' && link.flags.includes('UP'), `dummy0 is not an up dummy: ${JSON.stringify(link)}`);
      if (hasChaining(ctx.version)) {
        const ifs = r.interfaces as Record<string, unknown>[] | undefined;
        ensure(Array.isArray(ifs) && ifs.length === 1 && ifs[0]?.name === 'dummy0' && ifs[0]?.sandbox === pod.netns, `expected interfaces [dummy0 in ${pod.netns}], got ${JSON.stringify(ifs)}`);
      }
      await delNetwork(ctx, net, pod, { prevResult: r });
      ensure(!linkNames(pod.ns).includes('dummy0'), 'dummy0 is still in the pod after DEL');
      await delNetwork(ctx, net, pod, { prevResult: r });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'dummy/check',
    title: 'CHECK passes after ADD and fails once the interface is down or gone',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      requireDummyDriver(ctx);
      const net = dummyNetwork(ctx, ctx.version);
      const pod = newPod(ctx, 'dummy0');
      const r = await addNetwork(ctx, net, pod);
      expectQuietSuccess((await checkNetwork(ctx, net, pod, { prevResult: r })).at(-1)!, 'CHECK after ADD');
      pod.ns.exec(['ip', 'link', 'set', 'dummy0', 'down']);
      expectError((await checkNetwork(ctx, net, pod, { prevResult: r })).at(-1)!, undefined, 'CHECK with dummy0 down');
      pod.ns.exec(['ip', 'link', 'del', 'dummy0']);
      expectError((await checkNetwork(ctx, net, pod, { prevResult: r })).at(-1)!, undefined, 'CHECK after deleting dummy0');
      await delNetwork(ctx, net, pod, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'dummy/del-netns-gone',
    title: 'DEL after the netns was deleted (and with CNI_NETNS empty) succeeds and releases the address',
    async run(ctx) {
      requireDummyDriver(ctx);
      const net = dummyNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net); // host-local's files of the network are there from the first ADD on
      const pod = newPod(ctx, 'dummy0');
      const r = await addNetwork(ctx, net, pod);
      pod.ns.remove();
      await delNetwork(ctx, net, pod, { prevResult: r });
      await delNetwork(ctx, net, pod, { prevResult: r, netns: '' });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'dummy/no-ipam',
    title: 'a configuration without IPAM (none, or an empty type) is refused with code 7 and nothing is left',
    expectedFailures: [{ impl: 'go', plugin: 'dummy', issue: 'none upstream', why: 'Go answers "dummy interface requires an IPAM configuration" as code 999' }],
    async run(ctx) {
      const net = dummyNetwork(ctx, ctx.version);
      const pod = newPod(ctx, 'dummy0');
      const { ipam: _i, ...noIpam } = net.plugins[0]!.conf;
      for (const [what, conf] of [
        ['no ipam', noIpam],
        ['ipam.type ""', { ...noIpam, ipam: { type: '' } }],
      ] as const) {
        expectError(await dummyCall(ctx, net, pod, conf), 7, `dummy ADD with ${what}`);
        ensure(linkNames(pod.ns).join(' ') === 'lo', `dummy ADD with ${what} left ${linkNames(pod.ns).join(', ')} in the pod`);
      }
    },
  },
  {
    ...base,
    id: 'dummy/status',
    title: 'STATUS succeeds quietly (forwarded to IPAM)',
    versions: ['1.1.0'],
    async run(ctx) {
      expectQuietSuccess((await statusNetwork(ctx, dummyNetwork(ctx, ctx.version)))[0]!, 'STATUS');
    },
  },
];
