// loopback: brings `lo` up on ADD and down on DEL, reports it in the config version's shape,
// passes a prevResult through, and tolerates every DEL variant (reference-plugins.md 5).
import { ensure, expectError, expectQuietSuccess, expectResult, expectSuccess, jsonEqual } from '../expect.ts';
import { addNetwork, checkNetwork, delNetwork, delNetworkRaw, gcNetwork, requestConf, statusNetwork } from '../network.ts';
import { podResult } from '../net.ts';
import { resultAddresses } from '../shape.ts';
import type { Check, CheckContext } from '../types.ts';
import { SPEC_VERSIONS, versionsFrom } from '../versions.ts';
import { newPod, singleNetwork } from './fixtures.ts';
import type { TestNamespace } from '../../lib/testing/index.ts';

function loIsUp(ns: TestNamespace): boolean {
  const [lo] = JSON.parse(ns.exec(['ip', '-j', 'link', 'show', 'lo'])) as { flags: string[] }[];
  return lo?.flags.includes('UP') ?? false;
}

function loopbackNet(ctx: CheckContext) {
  return singleNetwork(ctx, 'loopback', {}, ctx.version);
}

/** Drops an empty `dns` object, which Go prints and others may omit. */
export function withoutEmptyDns(r: unknown): unknown {
  if (typeof r !== 'object' || r === null) return r;
  const o = { ...(r as Record<string, unknown>) };
  if (typeof o.dns === 'object' && o.dns !== null && Object.keys(o.dns).length === 0) delete o.dns;
  return o;
}

const base = { plugins: ['loopback'], requires: ['root'] } as const;

/** The loopback checks. */
export const LOOPBACK_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'loopback/add',
    title: 'ADD brings lo up and prints a result of the config version with 127.0.0.1/8',
    versions: SPEC_VERSIONS,
    expectedFailures: [
      {
        impl: 'go',
        versions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0'],
        issue: 'plugins#381',
        why: 'loopback labels a 1.x-shaped result with the old config version (no ip4 for 0.1/0.2, no ips[].version for 0.3/0.4)',
      },
    ],
    async run(ctx) {
      const pod = newPod(ctx, 'lo');
      pod.ns.exec(['ip', 'link', 'set', 'lo', 'down']);
      const net = loopbackNet(ctx);
      const inv = await ctx.call(ctx.bin('loopback'), { command: 'ADD', stdin: requestConf(net, net.plugins[0]!), containerId: pod.containerId, netns: pod.netns, ifname: 'lo' });
      ensure(inv.code === 0 && loIsUp(pod.ns), `lo is not up after ADD (exit ${inv.code})`);
      const r = expectResult(inv, ctx.version, 'loopback ADD');
      ensure(resultAddresses(r).includes('127.0.0.1/8'), `the result lists ${resultAddresses(r).join(', ') || 'no address'}, not 127.0.0.1/8`);
      if (Array.isArray(r.interfaces)) {
        const lo = r.interfaces[0] as Record<string, unknown> | undefined;
        ensure(lo?.name === 'lo' && lo.sandbox === pod.netns, `interfaces[0] should be lo in ${pod.netns}: ${JSON.stringify(lo)}`);
      }
    },
  },
  {
    ...base,
    id: 'loopback/del',
    title: 'DEL takes lo down, and succeeds again, with an empty netns and with the netns gone',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      const net = loopbackNet(ctx);
      const pod = newPod(ctx, 'lo');
      const result = await addNetwork(ctx, net, pod);
      await delNetwork(ctx, net, pod, { prevResult: result });
      ensure(!loIsUp(pod.ns), 'lo is still up after DEL');
      await delNetwork(ctx, net, pod, { prevResult: result });
      await delNetwork(ctx, net, pod, { prevResult: result, netns: '' });
      await delNetwork(ctx, net, pod, { netns: null });
      const gone = newPod(ctx, 'lo');
      const r2 = await addNetwork(ctx, net, gone);
      gone.ns.remove();
      await delNetwork(ctx, net, gone, { prevResult: r2 });
    },
  },
  {
    ...base,
    id: 'loopback/check',
    title: 'CHECK passes after ADD and fails once lo is down',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      const net = loopbackNet(ctx);
      const pod = newPod(ctx, 'lo');
      const result = await addNetwork(ctx, net, pod);
      const [ok] = await checkNetwork(ctx, net, pod, { prevResult: result });
      expectQuietSuccess(ok!, 'CHECK after ADD');
      pod.ns.exec(['ip', 'link', 'set', 'lo', 'down']);
      const [bad] = await checkNetwork(ctx, net, pod, { prevResult: result });
      expectError(bad!, undefined, 'CHECK with lo down');
    },
  },
  {
    ...base,
    id: 'loopback/chained',
    title: 'ADD with a prevResult prints that result unchanged',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const net = loopbackNet(ctx);
      const pod = newPod(ctx, 'lo');
      const prev = podResult(ctx.version, { netns: pod.netns, hostIf: 'veth0', gateway: '10.99.1.1', cidr: '10.99.1.2/24' });
      const inv = await ctx.call(ctx.bin('loopback'), {
        command: 'ADD',
        stdin: requestConf(net, net.plugins[0]!, { prevResult: prev }),
        containerId: pod.containerId,
        netns: pod.netns,
        ifname: 'lo',
      });
      const out = expectResult(inv, ctx.version, 'loopback ADD with prevResult');
      ensure(jsonEqual(withoutEmptyDns(out), prev), `the output differs from prevResult: ${JSON.stringify(out)}`);
      ensure(loIsUp(pod.ns), 'lo is not up after a chained ADD');
      const dels = await delNetworkRaw(ctx, net, pod, { prevResult: prev });
      expectSuccess(dels[0]!, 'DEL');
    },
  },
  {
    ...base,
    id: 'loopback/gc-status',
    title: 'STATUS and GC succeed quietly',
    versions: ['1.1.0'],
    async run(ctx) {
      const net = loopbackNet(ctx);
      const pod = newPod(ctx, 'lo');
      await addNetwork(ctx, net, pod);
      expectQuietSuccess((await statusNetwork(ctx, net))[0]!, 'STATUS');
      expectQuietSuccess((await gcNetwork(ctx, net, [pod]))[0]!, 'GC');
      expectQuietSuccess((await gcNetwork(ctx, net, []))[0]!, 'GC with no valid attachments');
    },
  },
];
