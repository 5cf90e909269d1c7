// host-device (+ host-local): a node device (one end of a veth pair made in the check's node
// namespace) handed to the pod as CNI_IFNAME with its MAC and IPAM's address, its original
// name kept in the link's alias; DEL returning it under that name (also DEL by the other
// implementation); CHECK; and where the reference falls short: a second DEL, DEL after the
// namespace is gone, a failed ADD's rollback, refusing unsafe devices (other-plugins.md 10).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestNamespace } from '../../lib/testing/index.ts';
import { ensure, expectError, expectQuietSuccess, expectResult } from '../expect.ts';
import { addNetwork, checkNetwork, delNetwork, delNetworkRaw, requestConf, statusNetwork, type Network } from '../network.ts';
import { resultAddresses } from '../shape.ts';
import type { Check, CheckContext, Invocation, Side } from '../types.ts';
import { hasChaining, SPEC_VERSIONS, versionsFrom, type SpecVersion } from '../versions.ts';
import { expectAddress, ipamConf, linkNames, newPod, type Pod } from './fixtures.ts';

/** The node device every check hands over, and the subnet IPAM gives it. */
const DEVICE = 'hdc0';
const SUBNET = '10.87.0.0/24';

interface NodeLink {
  ifname: string;
  address: string;
  ifalias?: string;
  flags: string[];
}

function linkIn(ns: TestNamespace, name: string): NodeLink | undefined {
  const r = ns.tryExec(['ip', '-d', '-j', 'link', 'show', 'dev', name]);
  return r.code === 0 ? (JSON.parse(r.stdout || '[]') as NodeLink[])[0] : undefined;
}

/** Makes the node device: a veth pair whose peer stays on the node; returns its MAC. */
function makeDevice(ctx: CheckContext, name = DEVICE): string {
  const node = ctx.node();
  node.exec(['ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
  node.exec(['ip', 'link', 'set', name, 'up']);
  node.exec(['ip', 'link', 'set', `${name}p`, 'up']);
  const link = linkIn(node, name);
  ensure(link !== undefined, `could not make ${name} in the node`);
  return link.address;
}

/** A `[host-device(+host-local)]` network (no IPAM when `ipam` is false). */
function hostDeviceNetwork(ctx: CheckContext, version: SpecVersion, opts: { side?: Side; ipam?: boolean; conf?: Record<string, unknown> } = {}): Network {
  const bin = ctx.bin('host-device', opts.side ?? 'plugins');
  const ipamDir = ctx.bin('host-local', 'plugins').replace(/\/[^/]+$/, '');
  const conf = { type: 'host-device', device: DEVICE, ...(opts.ipam === false ? {} : { ipam: ipamConf(ctx, { subnet: SUBNET }) }), ...opts.conf };
  return { name: 'conformance-hd', cniVersion: version, plugins: [{ conf, binary: bin, cniPath: [ipamDir, bin.replace(/\/[^/]+$/, '')].join(':') }] };
}

function hdAdd(ctx: CheckContext, net: Network, pod: Pod, conf: Record<string, unknown> = net.plugins[0]!.conf): Promise<Invocation> {
  const plugin = { ...net.plugins[0]!, conf };
  return ctx.call(plugin.binary, { command: 'ADD', stdin: requestConf(net, plugin), containerId: pod.containerId, netns: pod.netns, ifname: pod.ifname, cniPath: plugin.cniPath! });
}

/** host-local's reservation files left in the check's dataDir. */
function reservations(ctx: CheckContext): string[] {
  if (!existsSync(ctx.dataDir)) return [];
  return readdirSync(ctx.dataDir).flatMap((net) => readdirSync(join(ctx.dataDir, net)).filter((f) => /^[0-9a-f.:]+$/i.test(f) && /[.:]/.test(f)));
}

/** Fails unless the device is back on the node under its name and MAC, and gone from the pod. */
function expectReturned(ctx: CheckContext, pod: Pod, mac: string, what: string): void {
  const back = linkIn(ctx.node(), DEVICE);
  ensure(back !== undefined, `${what}: ${DEVICE} is not back on the node (node links: ${linkNames(ctx.node()).join(', ')})`);
  ensure(back.address === mac, `${what}: ${DEVICE} came back with MAC ${back.address}, expected ${mac}`);
  ensure(!linkNames(pod.ns).includes(pod.ifname), `${what}: ${pod.ifname} is still in the pod`);
}

const base = { plugins: ['host-device', 'host-local'], requires: ['root'] } as const;

/** The host-device checks. */
export const HOST_DEVICE_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'host-device/add-del',
    title: 'ADD moves the device into the pod as CNI_IFNAME (its MAC, IPAM\'s address, the original name as alias); DEL returns it under its name',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      const mac = makeDevice(ctx);
      const net = hostDeviceNetwork(ctx, ctx.version);
      const pod = newPod(ctx, 'net1');
      const r = expectResult(await hdAdd(ctx, net, pod), ctx.version, 'host-device ADD');
      const addr = resultAddresses(r)[0] ?? '';
      ensure(/^10\.87\.0\.\d+\/24$/.test(addr), `address ${addr} is not in ${SUBNET}`);
      const moved = linkIn(pod.ns, 'net1');
      ensure(moved !== undefined, 'net1 is not in the pod');
      ensure(moved.address === mac, `net1 has MAC ${moved.address}, the device had ${mac}`);
      ensure(moved.ifalias === DEVICE, `net1's alias is ${JSON.stringify(moved.ifalias)}, expected the original name ${DEVICE}`);
      ensure(moved.flags.includes('UP'), 'net1 is not up in the pod');
      expectAddress(pod.ns, 'net1', addr, 'the pod');
      ensure(linkIn(ctx.node(), DEVICE) === undefined, `${DEVICE} is still on the node`);
      if (hasChaining(ctx.version)) {
        const ifs = r.interfaces as Record<string, unknown>[] | undefined;
        ensure(Array.isArray(ifs) && ifs.length === 1 && ifs[0]?.name === 'net1' && ifs[0]?.mac === mac && ifs[0]?.sandbox === pod.netns, `interfaces should be [net1 with ${mac} in ${pod.netns}]: ${JSON.stringify(ifs)}`);
        ensure((r.ips as Record<string, unknown>[]).every((ip) => ip.interface === 0), `ips[].interface should be 0: ${JSON.stringify(r.ips)}`);
      }
      await delNetwork(ctx, net, pod, { prevResult: r });
      expectReturned(ctx, pod, mac, 'after DEL');
      ensure(reservations(ctx).length === 0, `DEL left reservations: ${reservations(ctx).join(', ')}`);
    },
  },
  {
    ...base,
    id: 'host-device/no-ipam',
    title: 'without IPAM the result is the interface alone (name, MAC, sandbox) and the device carries no address',
    plugins: ['host-device'],
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const mac = makeDevice(ctx);
      const net = hostDeviceNetwork(ctx, ctx.version, { ipam: false });
      const pod = newPod(ctx, 'net1');
      const r = expectResult(await hdAdd(ctx, net, pod), ctx.version, 'host-device ADD');
      const ifs = r.interfaces as Record<string, unknown>[] | undefined;
      ensure(JSON.stringify(ifs) === JSON.stringify([{ name: 'net1', mac, sandbox: pod.netns }]), `interfaces: ${JSON.stringify(ifs)}`);
      ensure(!r.ips || (r.ips as unknown[]).length === 0, `ips without IPAM: ${JSON.stringify(r.ips)}`);
      await delNetwork(ctx, net, pod, { prevResult: r });
      expectReturned(ctx, pod, mac, 'after DEL');
    },
  },
  {
    ...base,
    id: 'host-device/check',
    title: 'CHECK passes after ADD and fails once the address is gone from the device',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      makeDevice(ctx);
      const net = hostDeviceNetwork(ctx, ctx.version);
      const pod = newPod(ctx, 'net1');
      const r = await addNetwork(ctx, net, pod);
      expectQuietSuccess((await checkNetwork(ctx, net, pod, { prevResult: r })).at(-1)!, 'CHECK after ADD');
      pod.ns.exec(['ip', 'addr', 'flush', 'dev', 'net1']);
      expectError((await checkNetwork(ctx, net, pod, { prevResult: r })).at(-1)!, undefined, 'CHECK after flushing net1\'s addresses');
      await delNetwork(ctx, net, pod, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'host-device/del-twice',
    title: 'a second DEL (the device already returned) succeeds',
    expectedFailures: [{ impl: 'go', issue: 'none upstream', why: 'Go\'s DEL fails when CNI_IFNAME is not in the pod ("failed to find")' }],
    async run(ctx) {
      const mac = makeDevice(ctx);
      const net = hostDeviceNetwork(ctx, ctx.version);
      const pod = newPod(ctx, 'net1');
      const r = await addNetwork(ctx, net, pod);
      await delNetwork(ctx, net, pod, { prevResult: r });
      await delNetwork(ctx, net, pod, { prevResult: r });
      expectReturned(ctx, pod, mac, 'after two DELs');
    },
  },
  {
    ...base,
    id: 'host-device/del-netns-gone',
    title: 'DEL after the pod namespace was deleted (the veth went with it) and with CNI_NETNS empty succeeds and releases the address',
    expectedFailures: [{ impl: 'go', issue: 'plugins#213 (empty netns only)', why: 'Go\'s DEL must open the namespace: "failed to open netns"' }],
    async run(ctx) {
      makeDevice(ctx);
      const net = hostDeviceNetwork(ctx, ctx.version);
      const pod = newPod(ctx, 'net1');
      const r = await addNetwork(ctx, net, pod);
      pod.ns.remove();
      await delNetwork(ctx, net, pod, { prevResult: r });
      await delNetwork(ctx, net, pod, { prevResult: r, netns: '' });
      ensure(reservations(ctx).length === 0, `DEL left reservations: ${reservations(ctx).join(', ')}`);
    },
  },
  {
    ...base,
    id: 'host-device/failed-add-rollback',
    title: 'an ADD that fails after the move (IPAM\'s route cannot be added) returns the device to the node under its name and releases the address',
    expectedFailures: [{ impl: 'go', issue: 'none upstream', why: 'Go releases the address but leaves the device in the pod' }],
    async run(ctx) {
      const mac = makeDevice(ctx);
      const ipam = ipamConf(ctx, { subnet: SUBNET, extra: { routes: [{ dst: '192.0.2.128/25', gw: '198.51.100.1' }] } });
      const net = hostDeviceNetwork(ctx, ctx.version, { conf: { ipam } });
      const pod = newPod(ctx, 'net1');
      expectError(await hdAdd(ctx, net, pod), undefined, 'host-device ADD with an unreachable route gateway');
      expectReturned(ctx, pod, mac, 'after the failed ADD');
      ensure(reservations(ctx).length === 0, `the failed ADD left reservations: ${reservations(ctx).join(', ')}`);
    },
  },
  {
    ...base,
    id: 'host-device/refuse-unsafe',
    title: 'a missing device, a bridge port and the node\'s only uplink are refused with code 7 and stay where they are',
    expectedFailures: [{ impl: 'go', issue: 'none upstream', why: 'Go answers 999 for a missing device and moves a bridge port or the only uplink' }],
    async run(ctx) {
      const node = ctx.node();
      makeDevice(ctx, 'hdport0');
      node.exec(['ip', 'link', 'add', 'hdbr0', 'type', 'bridge']);
      node.exec(['ip', 'link', 'set', 'hdport0', 'master', 'hdbr0']);
      node.exec(['ip', 'route', 'add', 'default', 'dev', 'uplink0']);
      const net = hostDeviceNetwork(ctx, ctx.version, { ipam: false });
      const pod = newPod(ctx, 'net1');
      for (const device of ['nosuchdev0', 'hdport0', 'uplink0']) {
        const e = expectError(await hdAdd(ctx, net, pod, { type: 'host-device', device }), 7, `host-device ADD of ${device}`);
        ensure(`${e.msg}`.includes('device'), `the error does not name the key "device": ${e.msg}`);
        if (device !== 'nosuchdev0') ensure(linkIn(node, device) !== undefined, `${device} left the node`);
      }
      ensure(linkNames(pod.ns).join() === 'lo', `the pod holds ${linkNames(pod.ns).join(', ')}`);
    },
  },
  {
    ...base,
    id: 'host-device/status',
    title: 'STATUS succeeds quietly (forwarded to IPAM)',
    versions: ['1.1.0'],
    async run(ctx) {
      expectQuietSuccess((await statusNetwork(ctx, hostDeviceNetwork(ctx, ctx.version)))[0]!, 'STATUS');
    },
  },
  ...(['plugins', 'reference'] as const).map(
    (adder): Check => ({
      id: `interop/host-device-add-${adder === 'plugins' ? 'tested' : 'reference'}-del-${adder === 'plugins' ? 'reference' : 'tested'}`,
      title: `host-device ADD by the ${adder === 'plugins' ? 'tested' : 'reference'} implementation, CHECK and DEL by the other: the device is back under its name`,
      plugins: ['host-device', 'host-local'],
      refPlugins: ['host-device'],
      requires: ['root'],
      async run(ctx) {
        const mac = makeDevice(ctx);
        const deleter = adder === 'plugins' ? 'reference' : 'plugins';
        const pod = newPod(ctx, 'net1');
        const r = await addNetwork(ctx, hostDeviceNetwork(ctx, ctx.version, { side: adder }), pod);
        const other = hostDeviceNetwork(ctx, ctx.version, { side: deleter });
        if (versionsFrom('0.4.0').includes(ctx.version)) expectQuietSuccess((await checkNetwork(ctx, other, pod, { prevResult: r })).at(-1)!, 'CHECK by the other');
        const d = await delNetworkRaw(ctx, other, pod, { prevResult: r });
        ensure(d.every((inv) => inv.code === 0), `DEL by the other failed: ${d.map((inv) => inv.stdout).join(' ')}`);
        expectReturned(ctx, pod, mac, 'after DEL by the other');
        ensure(reservations(ctx).length === 0, `DEL left reservations: ${reservations(ctx).join(', ')}`);
      },
    }),
  ),
];
