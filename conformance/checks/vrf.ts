// vrf (meta, chained after an interface plugin): the pod's eth0 enslaved to a VRF made in the
// pod, its default route moved into the VRF's table, prevResult passed through; CHECK; DEL
// removing the VRF; on a kernel without VRF support a clean failure; bad input (other-plugins.md 5).
// Pods are made by hand (a veth end with an address and a default route), as tuning's are.
import { ensure, expectError, expectQuietSuccess, expectResult, jsonEqual } from '../expect.ts';
import { podResult } from '../net.ts';
import type { Check, CheckContext, Invocation } from '../types.ts';
import { versionsFrom } from '../versions.ts';
import { linkNames, newPod, type Pod } from './fixtures.ts';
import { requireKind, requireMissingKind } from './kernel-kinds.ts';

function vrfPod(ctx: CheckContext): { pod: Pod; prev: Record<string, unknown> } {
  const pod = newPod(ctx);
  pod.ns.exec(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'vrfpeer0']);
  pod.ns.exec(['ip', 'addr', 'add', '10.86.0.2/24', 'dev', 'eth0']);
  pod.ns.exec(['ip', 'link', 'set', 'eth0', 'up']);
  pod.ns.exec(['ip', 'link', 'set', 'vrfpeer0', 'up']);
  pod.ns.exec(['ip', 'route', 'add', 'default', 'via', '10.86.0.1', 'dev', 'eth0']);
  return { pod, prev: podResult(ctx.version, { netns: pod.netns, hostIf: 'vrfpeer0', gateway: '10.86.0.1', cidr: '10.86.0.2/24' }) };
}

function call(ctx: CheckContext, command: string, pod: Pod, stdin: Record<string, unknown>, netns: string = pod.netns): Promise<Invocation> {
  return ctx.call(ctx.bin('vrf'), { command, stdin, containerId: pod.containerId, netns, ifname: pod.ifname });
}

const conf = (ctx: CheckContext, prev: unknown, extra: Record<string, unknown> = {}) => ({ cniVersion: ctx.version, name: 'conformance-net', type: 'vrf', vrfname: 'blue', prevResult: prev, ...extra });
const state = (pod: Pod) => `${pod.ns.exec(['ip', '-o', 'link', 'show'])}\n${pod.ns.exec(['ip', 'route', 'show'])}`.replace(/^\d+: /gm, '');

const base = { plugins: ['vrf'], requires: ['root'] } as const;

/** The vrf checks. */
export const VRF_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'vrf/add-check-del',
    title: 'ADD enslaves eth0 to a new VRF, moves its default route into the VRF table and prints prevResult; CHECK; DEL removes the VRF',
    versions: versionsFrom('0.3.1'),
    async run(ctx) {
      requireKind(ctx, 'vrf');
      const { pod, prev } = vrfPod(ctx);
      const c = conf(ctx, prev);
      const r = expectResult(await call(ctx, 'ADD', pod, c), ctx.version, 'vrf ADD');
      ensure(jsonEqual(r, prev), `vrf ADD did not print prevResult: ${JSON.stringify(r)}`);
      ensure(pod.ns.exec(['ip', '-o', 'link', 'show', 'eth0']).includes('master blue'), 'eth0 is not in VRF blue');
      ensure(pod.ns.exec(['ip', 'route', 'show', 'vrf', 'blue']).includes('default via 10.86.0.1'), 'the default route is not in the VRF table');
      if (ctx.version !== '0.3.1') expectQuietSuccess(await call(ctx, 'CHECK', pod, c), 'vrf CHECK');
      expectQuietSuccess(await call(ctx, 'DEL', pod, c), 'vrf DEL');
      ensure(!linkNames(pod.ns).includes('blue'), 'VRF blue is still there after DEL');
    },
  },
  {
    ...base,
    id: 'vrf/missing-kernel',
    title: 'on a kernel without VRF support, ADD fails and leaves the pod as it was',
    async run(ctx) {
      requireMissingKind(ctx, 'vrf');
      const { pod, prev } = vrfPod(ctx);
      const before = state(pod);
      const e = expectError(await call(ctx, 'ADD', pod, conf(ctx, prev)), undefined, 'vrf ADD without VRF support');
      ctx.note(`error: ${e.msg}`);
      ensure(state(pod) === before, `the pod changed:\n${before}\n---\n${state(pod)}`);
    },
  },
  {
    ...base,
    id: 'vrf/bad-input',
    title: 'a vrfname taken by a link that is not a VRF → 7, the pod unchanged',
    expectedFailures: [{ impl: 'go', plugin: 'vrf', issue: 'none', why: '"Netlink X is not a VRF" is a plain error: code 999' }],
    async run(ctx) {
      const { pod, prev } = vrfPod(ctx);
      const before = state(pod);
      expectError(await call(ctx, 'ADD', pod, conf(ctx, prev, { vrfname: 'vrfpeer0' })), 7, 'vrf ADD with vrfname of a veth');
      ensure(state(pod) === before, 'the pod changed');
    },
  },
  {
    ...base,
    id: 'vrf/del-unknown',
    title: 'DEL without the VRF succeeds (with a netns and with the netns gone)',
    async run(ctx) {
      const { pod, prev } = vrfPod(ctx);
      expectQuietSuccess(await call(ctx, 'DEL', pod, conf(ctx, prev)), 'vrf DEL without the VRF');
      pod.ns.remove();
      expectQuietSuccess(await call(ctx, 'DEL', pod, conf(ctx, prev)), 'vrf DEL with the netns gone');
    },
  },
];
