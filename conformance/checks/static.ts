// static (IPAM): the configured addresses, routes and DNS come back in the config version's
// shape; CNI_ARGS IP/GATEWAY are appended, `args.cni.ips` and the `ips` capability replace them
// (the capability wins); DEL and CHECK; bad addresses refused with code 7; and as the ipam of the
// bridge under test the pod holds the address. Nothing is allocated, so nothing is left to judge
// on the node after DEL.
import { dirname } from 'node:path';
import { ensure, expectError, expectQuietSuccess, expectResult, expectSuccess, jsonEqual } from '../expect.ts';
import { expectPing } from '../net.ts';
import { addNetwork, checkNetwork, delNetwork, requestConf, type Attachment, type CapabilityArgs, type Network } from '../network.ts';
import { resultAddresses } from '../shape.ts';
import type { Check, CheckContext, Invocation } from '../types.ts';
import { SPEC_VERSIONS, resultFamily, versionsFrom, type SpecVersion } from '../versions.ts';
import { BRIDGE, expectAddress, newPod } from './fixtures.ts';

/** The `ipam` object of a direct static call (the `ips` capability declared at the top). */
function staticNet(ctx: CheckContext, ipam: Record<string, unknown>, version: SpecVersion = ctx.version): Network {
  return {
    name: 'conformance-net',
    cniVersion: version,
    plugins: [{ conf: { type: 'static', capabilities: { ips: true }, ipam: { type: 'static', ...ipam } }, binary: ctx.bin('static') }],
  };
}

/** Runs static ADD directly (as a runtime would run host-local), with optional CNI_ARGS and capabilities. */
function staticAdd(ctx: CheckContext, net: Network, att: Attachment, opts: { args?: string; caps?: CapabilityArgs; extra?: Record<string, unknown> } = {}): Promise<Invocation> {
  const plugin = net.plugins[0]!;
  return ctx.call(plugin.binary, {
    command: 'ADD',
    stdin: { ...requestConf(net, plugin, { capabilityArgs: opts.caps }), ...opts.extra },
    containerId: att.containerId,
    netns: att.netns,
    ifname: att.ifname,
    ...(opts.args !== undefined ? { args: opts.args } : {}),
  });
}

const FULL_IPAM = {
  addresses: [
    { address: '10.1.0.5/24', gateway: '10.1.0.1' },
    { address: 'fd00:1::5/64', gateway: 'fd00:1::1' },
  ],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.1.0.254' }, { dst: '::/0' }],
  dns: { nameservers: ['10.1.0.53'], domain: 'example.com', search: ['example.com', 'example.org'], options: ['ndots:2'] },
};

/** `{address: gateway}` of a result in any version's shape. */
function gatewaysOf(r: Record<string, unknown>): Record<string, unknown> {
  if (resultFamily(String(r.cniVersion) as SpecVersion) === 'legacy' || r.ips === undefined) {
    const out: Record<string, unknown> = {};
    for (const k of ['ip4', 'ip6']) {
      const ip = r[k] as { ip?: string; gateway?: string } | undefined;
      if (ip?.ip) out[ip.ip] = ip.gateway;
    }
    return out;
  }
  return Object.fromEntries((r.ips as { address: string; gateway?: string }[]).map((i) => [i.address, i.gateway]));
}

/** The route destinations of a result (legacy results keep them per family). */
function routeDsts(r: Record<string, unknown>): string[] {
  const lists = r.ips === undefined && (r.ip4 || r.ip6) ? [(r.ip4 as Record<string, unknown> | undefined)?.routes, (r.ip6 as Record<string, unknown> | undefined)?.routes] : [r.routes];
  return lists.flatMap((l) => ((l as { dst: string }[] | undefined) ?? []).map((rt) => rt.dst)).sort();
}

function sameSet(got: readonly string[], want: readonly string[]): boolean {
  return jsonEqual([...got].sort(), [...want].sort());
}

const base = { plugins: ['static'], requires: ['root'] } as const;

/** The static checks. */
export const STATIC_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'static/add',
    title: 'ADD returns the configured addresses with their gateways, the routes and the DNS, in the config version shape, without interfaces',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      const net = staticNet(ctx, FULL_IPAM);
      const pod = newPod(ctx);
      const r = expectResult(await staticAdd(ctx, net, pod), ctx.version, 'static ADD', { ipam: true });
      const gws = gatewaysOf(r);
      ensure(jsonEqual(gws, { '10.1.0.5/24': '10.1.0.1', 'fd00:1::5/64': 'fd00:1::1' }), `addresses and gateways are ${JSON.stringify(gws)}, expected 10.1.0.5/24 via 10.1.0.1 and fd00:1::5/64 via fd00:1::1`);
      const dsts = routeDsts(r);
      ensure(sameSet(dsts, ['0.0.0.0/0', '192.168.0.0/16', '::/0']), `route destinations are ${dsts.join(', ') || 'none'}, expected 0.0.0.0/0, 192.168.0.0/16 and ::/0`);
      const routes = (r.routes ?? (r.ip4 as Record<string, unknown> | undefined)?.routes) as { dst: string; gw?: string }[];
      ensure(routes.find((rt) => rt.dst === '192.168.0.0/16')?.gw === '10.1.0.254', `route 192.168.0.0/16 lost its gw 10.1.0.254: ${JSON.stringify(routes)}`);
      const dns = r.dns as Record<string, unknown> | undefined;
      ensure(jsonEqual(dns?.nameservers, FULL_IPAM.dns.nameservers) && dns?.domain === 'example.com' && jsonEqual(dns?.search, FULL_IPAM.dns.search), `dns is ${JSON.stringify(dns)}, expected ${JSON.stringify(FULL_IPAM.dns)}`);
      await delNetwork(ctx, net, pod, { prevResult: r });
    },
  },
  {
    ...base,
    id: 'static/cni-args',
    title: 'CNI_ARGS IP is appended to the configured addresses and GATEWAY given to the CNI_ARGS address whose subnet holds it',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const net = staticNet(ctx, { addresses: [{ address: '10.2.0.5/24', gateway: '10.2.0.1' }] });
      const pod = newPod(ctx);
      const r = expectResult(await staticAdd(ctx, net, pod, { args: 'IgnoreUnknown=1;IP=10.1.0.7/24;GATEWAY=10.1.0.1' }), ctx.version, 'static ADD with CNI_ARGS IP and GATEWAY', { ipam: true });
      const gws = gatewaysOf(r);
      ensure(jsonEqual(gws, { '10.2.0.5/24': '10.2.0.1', '10.1.0.7/24': '10.1.0.1' }), `addresses and gateways are ${JSON.stringify(gws)}, expected 10.2.0.5/24 via 10.2.0.1 and 10.1.0.7/24 via 10.1.0.1`);
    },
  },
  {
    ...base,
    id: 'static/ips-precedence',
    title: 'args.cni.ips replaces the configured and CNI_ARGS addresses, and the ips capability replaces them all',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const net = staticNet(ctx, { addresses: [{ address: '10.2.0.5/24', gateway: '10.2.0.1' }] });
      const args = 'IgnoreUnknown=1;IP=10.1.0.7/24';
      const extra = { args: { cni: { ips: ['10.3.0.9/24'] } } };
      const viaArgs = expectResult(await staticAdd(ctx, net, newPod(ctx), { args, extra }), ctx.version, 'static ADD with args.cni.ips', { ipam: true });
      ensure(sameSet(resultAddresses(viaArgs), ['10.3.0.9/24']), `with args.cni.ips the addresses are ${resultAddresses(viaArgs).join(', ')}, expected only 10.3.0.9/24`);
      const caps = { ips: ['10.4.0.11/24', 'fd00:4::11/64'] };
      const viaCap = expectResult(await staticAdd(ctx, net, newPod(ctx), { args, extra, caps }), ctx.version, 'static ADD with runtimeConfig.ips', { ipam: true });
      ensure(sameSet(resultAddresses(viaCap), caps.ips), `with runtimeConfig.ips the addresses are ${resultAddresses(viaCap).join(', ')}, expected only ${caps.ips.join(', ')}`);
    },
  },
  {
    ...base,
    id: 'static/del',
    title: 'DEL succeeds with and without prevResult, with the netns unset, and again',
    async run(ctx) {
      const net = staticNet(ctx, FULL_IPAM);
      const pod = newPod(ctx);
      const r = expectResult(await staticAdd(ctx, net, pod), ctx.version, 'static ADD', { ipam: true });
      await delNetwork(ctx, net, pod, { prevResult: r });
      await delNetwork(ctx, net, pod, { prevResult: r });
      await delNetwork(ctx, net, pod);
      await delNetwork(ctx, net, pod, { netns: null });
    },
  },
  {
    ...base,
    id: 'static/check',
    title: 'CHECK passes against the ADD result and fails when prevResult gives an address another gateway',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      const net = staticNet(ctx, { addresses: [{ address: '10.1.0.5/24', gateway: '10.1.0.1' }] });
      const pod = newPod(ctx);
      const r = expectResult(await staticAdd(ctx, net, pod), ctx.version, 'static ADD', { ipam: true });
      expectQuietSuccess((await checkNetwork(ctx, net, pod, { prevResult: r }))[0]!, 'CHECK with the ADD result');
      const forged = { ...r, ips: (r.ips as Record<string, unknown>[]).map((i) => ({ ...i, gateway: '10.1.0.99' })) };
      expectError((await checkNetwork(ctx, net, pod, { prevResult: forged }))[0]!, undefined, 'CHECK with prevResult gateway 10.1.0.99');
    },
  },
  {
    ...base,
    id: 'static/bad-address',
    title: 'an address without a prefix length, or with prefix /99, is code 7',
    expectedFailures: [{ impl: 'go', issue: 'none upstream', why: 'Go answers 999 ("the address field is expected to be in CIDR notation") for a malformed address' }],
    async run(ctx) {
      for (const address of ['10.1.0.5', '10.1.0.5/99']) {
        const net = staticNet(ctx, { addresses: [{ address }] });
        expectError(await staticAdd(ctx, net, newPod(ctx)), 7, `static ADD with address ${JSON.stringify(address)}`);
      }
    },
  },
  {
    ...base,
    plugins: ['static', 'bridge'],
    requires: ['root', 'ping'],
    id: 'static/with-bridge',
    title: 'as the ipam of the bridge under test, the pod holds the address, reaches its gateway, and DEL removes the pod\'s interface',
    async run(ctx) {
      const bridgeBin = ctx.bin('bridge');
      const net: Network = {
        name: 'conformance-net',
        cniVersion: ctx.version,
        plugins: [{
          conf: { type: 'bridge', bridge: BRIDGE, isGateway: true, ipam: { type: 'static', addresses: [{ address: '10.88.0.5/24', gateway: '10.88.0.1' }], routes: [{ dst: '0.0.0.0/0' }] } },
          binary: bridgeBin,
          cniPath: [dirname(ctx.bin('static')), dirname(bridgeBin)].join(':'),
        }],
      };
      const pod = newPod(ctx);
      const r = await addNetwork(ctx, net, pod);
      ensure(sameSet(resultAddresses(r), ['10.88.0.5/24']), `bridge ADD result addresses are ${resultAddresses(r).join(', ') || 'none'}, expected 10.88.0.5/24`);
      expectAddress(pod.ns, 'eth0', '10.88.0.5/24', 'after bridge ADD with static IPAM');
      await expectPing(pod.ns, '10.88.0.1', 'pod -> its gateway on the bridge', ctx.signal);
      await delNetwork(ctx, net, pod, { prevResult: r });
      const left = pod.ns.tryExec(['ip', 'link', 'show', 'eth0']);
      ensure(left.code !== 0, 'eth0 is still in the pod after DEL');
      expectSuccess(await ctx.call(bridgeBin, { command: 'DEL', stdin: requestConf(net, net.plugins[0]!), containerId: pod.containerId, netns: pod.netns, ifname: 'eth0', cniPath: net.plugins[0]!.cniPath! }), 'bridge DEL again');
    },
  },
];
