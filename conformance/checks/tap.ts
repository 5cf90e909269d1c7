// tap (+ host-local): a persistent TAP device in the pod (other-plugins.md 12): the result per
// version, owner, group and multi-queue as sysfs shows them, a port of a bridge in the pod,
// the MAC from CNI_ARGS and the mac capability, CHECK, DEL in every variant leaving nothing,
// failed and refused ADDs leaving nothing, STATUS through IPAM.
import type { TestNamespace } from '../../lib/testing/index.ts';
import { ensure, expectError, expectQuietSuccess, expectResult } from '../expect.ts';
import { addNetwork, checkNetwork, delNetwork, requestConf, statusNetwork, type Network } from '../network.ts';
import { expectNodeClean, snapshotNode } from '../node-state.ts';
import { resultAddresses } from '../shape.ts';
import type { Check, CheckContext, Invocation } from '../types.ts';
import { hasChaining, SPEC_VERSIONS, type SpecVersion, versionsFrom } from '../versions.ts';
import { expectAddress, ipamConf, linkNames, newPod, type Pod, warmUp } from './fixtures.ts';

/** The tap's subnet in these checks. */
const TAP_SUBNET = '10.87.0.0/24';
// tun_flags bits (if_tun.h) sysfs shows for a persistent tap
const IFF_TAP = 0x0002;
const IFF_MULTI_QUEUE = 0x0100;
const IFF_PERSIST = 0x0800;

/** A `[tap]` network; with host-local unless `ipam` is false. */
function tapNetwork(ctx: CheckContext, version: SpecVersion, conf: Record<string, unknown> = {}, ipam = true): Network {
  const binary = ctx.bin('tap');
  return {
    name: 'conformance-tap',
    cniVersion: version,
    plugins: [{ conf: { type: 'tap', ...(ipam ? { ipam: ipamConf(ctx, { subnet: TAP_SUBNET }) } : {}), ...conf }, binary, cniPath: ctx.dirs.plugins }],
  };
}

function tapPod(ctx: CheckContext): Pod {
  return newPod(ctx, 'tap0');
}

function tapCall(ctx: CheckContext, net: Network, pod: Pod, command: string, extra: { conf?: Record<string, unknown>; args?: string } = {}): Promise<Invocation> {
  const plugin = { ...net.plugins[0]!, conf: extra.conf ?? net.plugins[0]!.conf };
  return ctx.call(plugin.binary, {
    command,
    stdin: requestConf(net, plugin),
    containerId: pod.containerId,
    netns: pod.netns,
    ifname: pod.ifname,
    cniPath: plugin.cniPath!,
    ...(extra.args ? { args: extra.args } : {}),
  });
}

function sysfs(ns: TestNamespace, ifname: string, file: string): string {
  return ns.exec(['cat', `/sys/class/net/${ifname}/${file}`]).trim();
}

function linkOf(ns: TestNamespace, ifname: string): { address?: string; master?: string; mtu?: number; flags?: string[]; linkinfo?: { info_kind?: string } } | undefined {
  const r = ns.tryExec(['ip', '-j', '-d', 'link', 'show', ifname]);
  return r.code === 0 ? (JSON.parse(r.stdout || '[]') as never[])[0] : undefined;
}

const base = { plugins: ['tap', 'host-local'], requires: ['root'] } as const;

/** The tap checks. */
export const TAP_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'tap/add',
    title: 'ADD makes a persistent multi-queue tap with owner, group and MTU, the IPAM address on it, the result in the config version\'s shape; DEL leaves nothing',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      const net = tapNetwork(ctx, ctx.version, { multiQueue: true, owner: 1000, group: 1000, mtu: 1400 });
      const before = await warmUp(ctx, net); // host-local's files of the network are there from the first ADD on
      const pod = tapPod(ctx);
      const r = expectResult(await tapCall(ctx, net, pod, 'ADD'), ctx.version, 'tap ADD');
      const addr = resultAddresses(r)[0] ?? '';
      ensure(/^10\.87\.0\.\d+\/24$/.test(addr), `address ${addr} is not in ${TAP_SUBNET}`);
      expectAddress(pod.ns, 'tap0', addr, 'the pod');
      ensure(sysfs(pod.ns, 'tap0', 'owner') === '1000' && sysfs(pod.ns, 'tap0', 'group') === '1000', 'tap0 does not have owner and group 1000');
      const flags = Number(sysfs(pod.ns, 'tap0', 'tun_flags'));
      ensure((flags & (IFF_TAP | IFF_MULTI_QUEUE | IFF_PERSIST)) === (IFF_TAP | IFF_MULTI_QUEUE | IFF_PERSIST), `tap0 tun_flags 0x${flags.toString(16)}: not a persistent multi-queue tap`);
      const link = linkOf(pod.ns, 'tap0');
      ensure(link?.linkinfo?.info_kind === 'tun' && link.mtu === 1400 && link.flags?.includes('UP'), `tap0 is not an up tun/tap device with MTU 1400: ${JSON.stringify(link)}`);
      if (hasChaining(ctx.version)) {
        const ifs = r.interfaces as Record<string, unknown>[] | undefined;
        ensure(Array.isArray(ifs) && ifs.length === 1 && ifs[0]?.name === 'tap0' && ifs[0]?.sandbox === pod.netns && ifs[0]?.mac === link.address, `expected interfaces [tap0 in ${pod.netns} with its MAC], got ${JSON.stringify(ifs)}`);
        ensure((r.ips as Record<string, unknown>[]).every((ip) => ip.interface === 0), `ips[].interface should be 0: ${JSON.stringify(r.ips)}`);
      }
      await delNetwork(ctx, net, pod, { prevResult: r });
      ensure(!linkNames(pod.ns).includes('tap0'), 'tap0 is still in the pod after DEL');
      await delNetwork(ctx, net, pod, { prevResult: r });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'tap/l2-bridge',
    title: 'without IPAM the tap is L2 only, up and a port of the bridge named in the pod; no owner or group when none is given',
    async run(ctx) {
      const pod = tapPod(ctx);
      pod.ns.exec(['ip', 'link', 'add', 'vmbr0', 'type', 'bridge']);
      const net = tapNetwork(ctx, ctx.version, { bridge: 'vmbr0' }, false);
      const r = expectResult(await tapCall(ctx, net, pod, 'ADD'), ctx.version, 'tap ADD');
      ensure(resultAddresses(r).length === 0, `an L2 tap got addresses: ${JSON.stringify(r)}`);
      const link = linkOf(pod.ns, 'tap0');
      ensure(link?.master === 'vmbr0' && link.flags?.includes('UP'), `tap0 is not an up port of vmbr0: ${JSON.stringify(link)}`);
      ensure(sysfs(pod.ns, 'tap0', 'owner') === '-1' && sysfs(pod.ns, 'tap0', 'group') === '-1', 'tap0 has an owner or group none was asked for');
      await delNetwork(ctx, net, pod, { prevResult: r });
      ensure(linkNames(pod.ns).sort().join(' ') === 'lo vmbr0', `DEL left ${linkNames(pod.ns).join(', ')} in the pod (the bridge is not the plugin's)`);
    },
  },
  {
    ...base,
    id: 'tap/mac',
    title: 'the MAC comes from the config, then CNI_ARGS MAC, then runtimeConfig.mac (the mac capability)',
    async run(ctx) {
      const pod = tapPod(ctx);
      const net = tapNetwork(ctx, ctx.version, { mac: '02:00:00:00:00:01' }, false);
      expectResult(await tapCall(ctx, net, pod, 'ADD', { args: 'IgnoreUnknown=1;MAC=02:00:00:00:00:02' }), ctx.version, 'tap ADD with CNI_ARGS MAC');
      ensure(linkOf(pod.ns, 'tap0')?.address === '02:00:00:00:00:02', `CNI_ARGS MAC did not win over the config: ${linkOf(pod.ns, 'tap0')?.address}`);
      await delNetwork(ctx, net, pod);
      const capability = { ...net.plugins[0]!.conf, capabilities: { mac: true }, runtimeConfig: { mac: '02:00:00:00:00:03' } };
      expectResult(await tapCall(ctx, net, pod, 'ADD', { conf: capability, args: 'IgnoreUnknown=1;MAC=02:00:00:00:00:02' }), ctx.version, 'tap ADD with runtimeConfig.mac');
      ensure(linkOf(pod.ns, 'tap0')?.address === '02:00:00:00:00:03', `runtimeConfig.mac did not win: ${linkOf(pod.ns, 'tap0')?.address}`);
      await delNetwork(ctx, net, pod);
    },
  },
  {
    ...base,
    id: 'tap/check',
    title: 'CHECK passes after ADD, fails once the address is gone or the tap is; DEL still succeeds',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      const net = tapNetwork(ctx, ctx.version);
      const pod = tapPod(ctx);
      const r = await addNetwork(ctx, net, pod);
      expectQuietSuccess((await checkNetwork(ctx, net, pod, { prevResult: r })).at(-1)!, 'CHECK after ADD');
      pod.ns.exec(['ip', 'addr', 'flush', 'dev', 'tap0']);
      expectError((await checkNetwork(ctx, net, pod, { prevResult: r })).at(-1)!, undefined, 'CHECK after flushing tap0\'s addresses');
      pod.ns.exec(['ip', 'link', 'del', 'tap0']);
      expectError((await checkNetwork(ctx, net, pod, { prevResult: r })).at(-1)!, undefined, 'CHECK after deleting tap0');
      await delNetwork(ctx, net, pod, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'tap/del-netns-gone',
    title: 'DEL after the netns was deleted (and with CNI_NETNS empty) succeeds and releases the address',
    async run(ctx) {
      const net = tapNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net); // host-local's files of the network are there from the first ADD on
      const pod = tapPod(ctx);
      const r = await addNetwork(ctx, net, pod);
      pod.ns.remove();
      await delNetwork(ctx, net, pod, { prevResult: r });
      await delNetwork(ctx, net, pod, { prevResult: r, netns: '' });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'tap/failed-add-clean',
    title: 'an ADD that fails (IPAM exhausted) leaves no tap in the pod and nothing on the node',
    async run(ctx) {
      const net = tapNetwork(ctx, ctx.version, { ipam: { type: 'host-local', subnet: '10.87.0.0/30', dataDir: ctx.dataDir } });
      const a = tapPod(ctx);
      const r = await addNetwork(ctx, net, a); // the /30 holds one address
      const b = tapPod(ctx);
      const snap = await snapshotNode(ctx.node(), [ctx.dataDir]);
      expectError(await tapCall(ctx, net, b, 'ADD'), undefined, 'tap ADD with the range exhausted');
      ensure(!linkNames(b.ns).includes('tap0'), 'the failed ADD left tap0 in the pod');
      await expectNodeClean(ctx.node(), snap, { dataDirs: [ctx.dataDir], what: 'after the failed ADD', signal: ctx.signal });
      await delNetwork(ctx, net, a, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'tap/bad-input',
    title: 'a negative or non-integer owner or group, a bad MAC or a bridge the pod does not have is code 7, and nothing is left',
    expectedFailures: [{ impl: 'go', plugin: 'tap', issue: 'none upstream', why: 'Go reports bad values as decode or run-time errors (999), some after the tap was made' }],
    async run(ctx) {
      const net = tapNetwork(ctx, ctx.version);
      const before = await warmUp(ctx, net); // host-local's files of the network are there from the first ADD on
      const pod = tapPod(ctx);
      for (const [what, extra] of [
        ['owner -1', { owner: -1 }],
        ['group "wheel"', { group: 'wheel' }],
        ['owner 1.5', { owner: 1.5 }],
        ['mac "zz"', { mac: 'zz' }],
        ['bridge "nosuchbr"', { bridge: 'nosuchbr' }],
      ] as const) {
        expectError(await tapCall(ctx, net, pod, 'ADD', { conf: { ...net.plugins[0]!.conf, ...extra } }), 7, `tap ADD with ${what}`);
        ensure(linkNames(pod.ns).join(' ') === 'lo', `tap ADD with ${what} left ${linkNames(pod.ns).join(', ')} in the pod`);
      }
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], what: 'after the refused ADDs', signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'tap/status',
    title: 'STATUS succeeds quietly (forwarded to IPAM; without IPAM, too)',
    versions: ['1.1.0'],
    async run(ctx) {
      expectQuietSuccess((await statusNetwork(ctx, tapNetwork(ctx, ctx.version)))[0]!, 'STATUS');
      expectQuietSuccess((await statusNetwork(ctx, tapNetwork(ctx, ctx.version, {}, false)))[0]!, 'STATUS without IPAM');
    },
  },
];
