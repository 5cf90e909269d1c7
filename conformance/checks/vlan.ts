// vlan (+ host-local): an 802.1Q device on a master in the node, moved into the pod as eth0
// with IPAM's address; CHECK; DEL leaving nothing; on a kernel without 8021q a clean failure;
// bad input; DEL of what was never added (other-plugins.md 9).
import { ensure, expectError, expectQuietSuccess, expectResult } from '../expect.ts';
import type { Check, CheckContext, Invocation } from '../types.ts';
import { versionsFrom } from '../versions.ts';
import { expectAddress, linkNames, newPod, type Pod } from './fixtures.ts';
import { requireKind, requireMissingKind } from './kernel-kinds.ts';
import { readdirSync } from 'node:fs';

/** The node's master for the checks: one end of a veth pair, MTU 1500. */
const MASTER = 'vlmaster0';

function vlanConf(ctx: CheckContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: ctx.version,
    name: 'conformance-net',
    type: 'vlan',
    master: MASTER,
    vlanId: 100,
    ipam: { type: 'host-local', subnet: '10.87.0.0/24', routes: [{ dst: '0.0.0.0/0' }], dataDir: ctx.dataDir },
    ...extra,
  };
}

/** Makes the master in the node (once per check). */
function master(ctx: CheckContext): void {
  const node = ctx.node();
  if (!linkNames(node).includes(MASTER)) {
    node.exec(['ip', 'link', 'add', MASTER, 'mtu', '1500', 'type', 'veth', 'peer', 'name', 'vlmaster1']);
    node.exec(['ip', 'link', 'set', MASTER, 'up']);
  }
}

function call(ctx: CheckContext, command: string, pod: Pod, stdin: Record<string, unknown>, netns: string = pod.netns): Promise<Invocation> {
  return ctx.call(ctx.bin('vlan'), { command, stdin, containerId: pod.containerId, netns, ifname: pod.ifname, cniPath: ctx.dirs.plugins });
}

function reservations(ctx: CheckContext): string[] {
  try {
    return readdirSync(ctx.dataDir, { recursive: true }).map(String).filter((f) => /\d+\.\d+\.\d+\.\d+$/.test(f));
  } catch {
    return [];
  }
}

const base = { plugins: ['vlan', 'host-local'], requires: ['root'] } as const;

/** The vlan checks. */
export const VLAN_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'vlan/add-check-del',
    title: 'ADD makes eth0 a VLAN 100 device of the master with the address; CHECK passes; DEL removes it and the reservation',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      requireKind(ctx, 'vlan');
      master(ctx);
      const pod = newPod(ctx);
      const conf = vlanConf(ctx);
      const r = expectResult(await call(ctx, 'ADD', pod, conf), ctx.version, 'vlan ADD');
      const addr = ((r.ips as { address: string }[] | undefined) ?? [])[0]?.address ?? '';
      expectAddress(pod.ns, 'eth0', addr, 'the pod');
      const [l] = JSON.parse(pod.ns.exec(['ip', '-j', '-d', 'link', 'show', 'eth0'])) as { linkinfo?: { info_kind?: string; info_data?: { id?: number } } }[];
      ensure(l?.linkinfo?.info_kind === 'vlan' && l.linkinfo.info_data?.id === 100, `eth0 is not VLAN 100: ${JSON.stringify(l?.linkinfo)}`);
      if (ctx.version !== '0.3.0' && ctx.version !== '0.3.1') expectQuietSuccess(await call(ctx, 'CHECK', pod, { ...conf, prevResult: r }), 'vlan CHECK');
      expectQuietSuccess(await call(ctx, 'DEL', pod, conf), 'vlan DEL');
      ensure(!linkNames(pod.ns).includes('eth0'), 'eth0 is still in the pod after DEL');
      ensure(reservations(ctx).length === 0, `reservations left: ${reservations(ctx).join(', ')}`);
    },
  },
  {
    ...base,
    id: 'vlan/missing-kernel',
    title: 'on a kernel without 8021q, ADD fails and leaves nothing (no device, no reservation)',
    async run(ctx) {
      requireMissingKind(ctx, 'vlan');
      master(ctx);
      const pod = newPod(ctx);
      const e = expectError(await call(ctx, 'ADD', pod, vlanConf(ctx)), undefined, 'vlan ADD without 8021q');
      ctx.note(`error: ${e.msg}`);
      ensure(linkNames(pod.ns).join() === 'lo', `the pod has ${linkNames(pod.ns).join(', ')}`);
      ensure(reservations(ctx).length === 0, `reservations left: ${reservations(ctx).join(', ')}`);
    },
  },
  {
    ...base,
    id: 'vlan/bad-input',
    title: 'vlanId 4095, a master that does not exist, an MTU above the master\'s → 7, nothing changed',
    expectedFailures: [{ impl: 'go', plugin: 'vlan', issue: 'none', why: 'loadConf errors are plain errors: code 999' }],
    async run(ctx) {
      master(ctx);
      const pod = newPod(ctx);
      for (const extra of [{ vlanId: 4095 }, { master: 'nosuch0' }, { mtu: 9000 }]) {
        expectError(await call(ctx, 'ADD', pod, vlanConf(ctx, extra)), 7, `vlan ADD with ${JSON.stringify(extra)}`);
      }
      ensure(linkNames(pod.ns).join() === 'lo', `the pod has ${linkNames(pod.ns).join(', ')}`);
      ensure(reservations(ctx).length === 0, `reservations left: ${reservations(ctx).join(', ')}`);
    },
  },
  {
    ...base,
    id: 'vlan/del-unknown',
    title: 'DEL of a container never added succeeds (with a netns and with an empty one)',
    async run(ctx) {
      master(ctx);
      const pod = newPod(ctx);
      expectQuietSuccess(await call(ctx, 'DEL', pod, vlanConf(ctx)), 'vlan DEL of an unknown container');
      expectQuietSuccess(await call(ctx, 'DEL', pod, vlanConf(ctx), ''), 'vlan DEL with CNI_NETNS empty');
    },
  },
];
