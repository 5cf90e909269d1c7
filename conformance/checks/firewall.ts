// firewall (meta, chained after bridge): prevResult passed through, forwarding opened for the
// pod's addresses under a DROP FORWARD policy, same-bridge isolation between two bridges, DEL
// removing the pod's rules, CHECK, bad input refused before anything changes (other-plugins.md 1).
// The iptables backend is asked for explicitly: it is the one every implementation has. Pods and
// bridges are made by hand so a firewall check does not depend on the bridge under test.
import type { TestNamespace } from '../../lib/testing/index.ts';
import { NODE_IP } from '../context.ts';
import { ensure, expectError, expectQuietSuccess, expectResult, expectSuccess, jsonEqual } from '../expect.ts';
import { canPing, makeBridgePod, makeVethPod, vethPodResult, type VethPod } from '../net.ts';
import { checkNetwork, delNetwork, requestConf, statusNetwork, type Attachment, type Network } from '../network.ts';
import { expectNodeClean, snapshotNode } from '../node-state.ts';
import type { Check, CheckContext, Invocation, Side } from '../types.ts';
import { versionsFrom, type SpecVersion } from '../versions.ts';
import { firewallConf } from './fixtures.ts';
import { withoutEmptyDns } from './loopback.ts';

/** A network list holding only firewall (the prevResult stands in for an interface plugin). */
export function firewallNetwork(ctx: CheckContext, extra: Record<string, unknown> = {}, side: Side = 'plugins', version: SpecVersion = ctx.version): Network {
  return { name: 'conformance-net', cniVersion: version, plugins: [{ conf: firewallConf(ctx, extra), binary: ctx.bin('firewall', side) }] };
}

/** A hand-made pod with its attachment and the result an interface plugin would have printed. */
export interface GuardedPod {
  readonly vp: VethPod;
  readonly att: Attachment;
  readonly prev: Record<string, unknown>;
}

function guarded(ctx: CheckContext, vp: VethPod, version: SpecVersion): GuardedPod {
  return { vp, att: { containerId: ctx.containerId(), ifname: 'eth0', netns: vp.netns }, prev: vethPodResult(vp, version) };
}

/** Pod `index` on its own routed /24 (10.99.<index>.2, see makeVethPod). */
export function routedPod(ctx: CheckContext, index: number, version: SpecVersion = ctx.version): GuardedPod {
  return guarded(ctx, makeVethPod(ctx, index), version);
}

/** Pod `host` on hand-made bridge `br` (10.98.<net>.<host>, see makeBridgePod); prevResult lists the bridge first. */
export function bridgedPod(ctx: CheckContext, br: string, net: number, host: number, version: SpecVersion = ctx.version): GuardedPod {
  return guarded(ctx, makeBridgePod(ctx, br, net, host), version);
}

/** Runs firewall ADD for a pod (prevResult: the pod's unless given). */
export function firewallAdd(ctx: CheckContext, net: Network, gp: GuardedPod, opts: { prevResult?: unknown } = {}): Promise<Invocation> {
  const prevResult = 'prevResult' in opts ? opts.prevResult : gp.prev;
  return ctx.call(net.plugins[0]!.binary, {
    command: 'ADD',
    stdin: requestConf(net, net.plugins[0]!, { prevResult }),
    containerId: gp.att.containerId,
    netns: gp.att.netns,
    ifname: 'eth0',
  });
}

/** The node forwards, with FORWARD's policy DROP (the node namespace only). */
export function dropForwarding(node: TestNamespace): void {
  node.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  node.exec(['iptables', '-P', 'FORWARD', 'DROP']);
}

/** The filter table's rules (iptables-save lines starting with -A). */
export function filterRules(node: TestNamespace): string[] {
  return node.exec(['iptables-save', '-t', 'filter']).split('\n').filter((l) => l.startsWith('-A '));
}

/** Fails unless `from` reaches (or, with `want` false, does not reach) `ip`. */
export async function expectReach(ctx: CheckContext, from: TestNamespace, ip: string, want: boolean, what: string): Promise<void> {
  const ok = await canPing(from, ip, ctx.signal);
  ensure(ok === want, `${what}: ${ip} ${ok ? 'answers' : 'does not answer'} a ping, expected it ${want ? 'to' : 'not to'}`);
}

const base = { plugins: ['firewall'], requires: ['root', 'iptables', 'ping'] } as const;

/** Shared body of the DEL checks: warm up, ADD, DEL as `del` says, then judge the node. */
async function delScenario(ctx: CheckContext, del: (net: Network, gp: GuardedPod) => Promise<void>): Promise<void> {
  const net = firewallNetwork(ctx);
  const warm = routedPod(ctx, 1);
  expectSuccess(await firewallAdd(ctx, net, warm), 'warm-up firewall ADD');
  await delNetwork(ctx, net, warm.att, { prevResult: warm.prev });
  const gp = routedPod(ctx, 2);
  const before = await snapshotNode(ctx.node());
  expectSuccess(await firewallAdd(ctx, net, gp), 'firewall ADD');
  ensure(filterRules(ctx.node()).some((l) => l.includes(`-s ${gp.vp.ip}/32`)), `after ADD no rule names ${gp.vp.ip}/32: ${filterRules(ctx.node()).join(' | ')}`);
  await del(net, gp);
  await expectNodeClean(ctx.node(), before, { signal: ctx.signal });
}

/** The firewall checks. */
export const FIREWALL_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'firewall/needs-prevresult',
    title: 'ADD without prevResult fails and adds no rule',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const gp = routedPod(ctx, 1);
      const before = filterRules(ctx.node());
      expectError(await firewallAdd(ctx, firewallNetwork(ctx), gp, { prevResult: undefined }), undefined, 'firewall ADD without prevResult');
      ensure(!filterRules(ctx.node()).some((l) => l.includes(gp.vp.ip)), 'the failed ADD added a rule for the pod');
      ensure(filterRules(ctx.node()).length >= before.length, 'the failed ADD removed rules');
    },
  },
  {
    ...base,
    id: 'firewall/pass-through',
    title: 'ADD prints prevResult unchanged in the config version',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const gp = bridgedPod(ctx, 'fwbr1', 1, 2);
      for (const policy of ['open', 'same-bridge']) {
        const net = firewallNetwork(ctx, { ingressPolicy: policy });
        const out = expectResult(await firewallAdd(ctx, net, gp), ctx.version, `firewall ADD (ingressPolicy ${policy})`);
        ensure(jsonEqual(withoutEmptyDns(out), gp.prev), `firewall ADD (ingressPolicy ${policy}): the output differs from prevResult: ${JSON.stringify(out)}`);
        await delNetwork(ctx, net, gp.att, { prevResult: gp.prev });
      }
    },
  },
  {
    ...base,
    id: 'firewall/forward-drop-policy',
    title: 'under a DROP FORWARD policy ADD lets the pods\' traffic through the node, and DEL closes it again',
    async run(ctx) {
      const node = ctx.node();
      dropForwarding(node);
      const net = firewallNetwork(ctx);
      const a = routedPod(ctx, 1);
      const b = routedPod(ctx, 2);
      await expectReach(ctx, a.vp.pod, b.vp.ip, false, 'before ADD (FORWARD policy DROP)');
      for (const gp of [a, b]) expectSuccess(await firewallAdd(ctx, net, gp), `firewall ADD of ${gp.vp.ip}`);
      await expectReach(ctx, a.vp.pod, b.vp.ip, true, 'pod A -> pod B after ADD');
      await expectReach(ctx, b.vp.pod, a.vp.ip, true, 'pod B -> pod A after ADD');
      for (const gp of [a, b]) await delNetwork(ctx, net, gp.att, { prevResult: gp.prev });
      await expectReach(ctx, a.vp.pod, b.vp.ip, false, 'pod A -> pod B after DEL');
    },
  },
  {
    ...base,
    id: 'firewall/same-bridge',
    title: 'ingressPolicy same-bridge: pods on two bridges cannot reach each other, pods on one bridge and the node still can',
    async run(ctx) {
      const node = ctx.node();
      node.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
      const a1 = bridgedPod(ctx, 'fwbr1', 1, 2);
      const a2 = bridgedPod(ctx, 'fwbr1', 1, 3);
      const b1 = bridgedPod(ctx, 'fwbr2', 2, 2);
      await expectReach(ctx, a1.vp.pod, b1.vp.ip, true, 'across bridges before ADD');
      const net = firewallNetwork(ctx, { ingressPolicy: 'same-bridge' });
      for (const gp of [a1, a2, b1]) expectSuccess(await firewallAdd(ctx, net, gp), `firewall ADD of ${gp.vp.ip}`);
      await expectReach(ctx, a1.vp.pod, b1.vp.ip, false, 'bridge 1 -> bridge 2');
      await expectReach(ctx, b1.vp.pod, a1.vp.ip, false, 'bridge 2 -> bridge 1');
      await expectReach(ctx, a1.vp.pod, a2.vp.ip, true, 'within bridge 1');
      await expectReach(ctx, a1.vp.pod, NODE_IP, true, 'bridge 1 -> the node');
      for (const gp of [a1, a2, b1]) await delNetwork(ctx, net, gp.att, { prevResult: gp.prev });
    },
  },
  {
    ...base,
    id: 'firewall/isolated',
    title: 'ingressPolicy isolated: pods on one bridge cannot reach each other (bridge-nf-call-iptables on), nor pods on another',
    expectedFailures: [{ impl: 'go', issue: 'plugins#1140 (added in v1.7.0)', why: 'Go 1.1.1 answers unknown ingress policy "isolated"' }],
    async run(ctx) {
      const node = ctx.node();
      if (node.tryExec(['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=1']).code !== 0) ctx.skip('needs br_netfilter (net.bridge.bridge-nf-call-iptables)');
      node.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
      const a1 = bridgedPod(ctx, 'fwbr1', 1, 2);
      const a2 = bridgedPod(ctx, 'fwbr1', 1, 3);
      const b1 = bridgedPod(ctx, 'fwbr2', 2, 2);
      await expectReach(ctx, a1.vp.pod, a2.vp.ip, true, 'within bridge 1 before ADD');
      const net = firewallNetwork(ctx, { ingressPolicy: 'isolated' });
      for (const gp of [a1, a2, b1]) expectSuccess(await firewallAdd(ctx, net, gp), `firewall ADD of ${gp.vp.ip}`);
      await expectReach(ctx, a1.vp.pod, a2.vp.ip, false, 'within bridge 1');
      await expectReach(ctx, a1.vp.pod, b1.vp.ip, false, 'bridge 1 -> bridge 2');
      await expectReach(ctx, a1.vp.pod, NODE_IP, true, 'bridge 1 -> the node');
    },
  },
  {
    ...base,
    id: 'firewall/isolation-one-side',
    title: 'same-bridge isolates bridges from each other, not from open ones: an open bridge and an isolated one still talk',
    async run(ctx) {
      ctx.node().exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
      const iso = bridgedPod(ctx, 'fwbr1', 1, 2);
      const open = bridgedPod(ctx, 'fwbr2', 2, 2);
      expectSuccess(await firewallAdd(ctx, firewallNetwork(ctx, { ingressPolicy: 'same-bridge' }), iso), 'firewall ADD (same-bridge)');
      expectSuccess(await firewallAdd(ctx, firewallNetwork(ctx), open), 'firewall ADD (open)');
      ensure(filterRules(ctx.node()).some((l) => / -o fwbr1 .*-j DROP/.test(l)), `the isolated bridge got no DROP rule: ${filterRules(ctx.node()).join(' | ')}`);
      ensure(!filterRules(ctx.node()).some((l) => /fwbr2/.test(l)), `the open bridge got isolation rules: ${filterRules(ctx.node()).join(' | ')}`);
      await expectReach(ctx, open.vp.pod, iso.vp.ip, true, 'open bridge -> isolated bridge');
      await expectReach(ctx, iso.vp.pod, open.vp.ip, true, 'isolated bridge -> open bridge');
    },
  },
  {
    ...base,
    id: 'firewall/del-clean',
    // below 0.4.0 a runtime sends DEL without prevResult: the plugin must find the pod's rules without it
    title: 'DEL removes the pod\'s rules (nothing left on the node after a warm-up), and succeeds again',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      await delScenario(ctx, async (net, gp) => {
        await delNetwork(ctx, net, gp.att, { prevResult: gp.prev });
        await delNetwork(ctx, net, gp.att, { prevResult: gp.prev });
      });
    },
  },
  {
    ...base,
    id: 'firewall/del-netns-gone',
    title: 'DEL after the pod namespace is gone (and with CNI_NETNS empty) removes the pod\'s rules',
    async run(ctx) {
      await delScenario(ctx, async (net, gp) => {
        gp.vp.pod.remove();
        await delNetwork(ctx, net, gp.att, { prevResult: gp.prev });
        await delNetwork(ctx, net, gp.att, { prevResult: gp.prev, netns: '' });
      });
    },
  },
  {
    ...base,
    id: 'firewall/del-unknown',
    title: 'DEL without prevResult, and of an attachment never added, succeeds',
    async run(ctx) {
      const net = firewallNetwork(ctx);
      const gp = routedPod(ctx, 1);
      await delNetwork(ctx, net, gp.att);
      await delNetwork(ctx, net, gp.att, { prevResult: gp.prev });
      await delNetwork(ctx, net, gp.att, { netns: null });
    },
  },
  {
    ...base,
    id: 'firewall/check',
    title: 'CHECK passes after ADD and fails once a rule of the pod was deleted by hand',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      const net = firewallNetwork(ctx);
      const gp = routedPod(ctx, 1);
      expectSuccess(await firewallAdd(ctx, net, gp), 'firewall ADD');
      expectQuietSuccess((await checkNetwork(ctx, net, gp.att, { prevResult: gp.prev }))[0]!, 'CHECK after ADD');
      ctx.node().exec(['iptables', '-D', 'CNI-FORWARD', '-s', `${gp.vp.ip}/32`, '-j', 'ACCEPT']);
      expectError((await checkNetwork(ctx, net, gp.att, { prevResult: gp.prev }))[0]!, undefined, `CHECK after deleting "-s ${gp.vp.ip}/32 -j ACCEPT"`);
    },
  },
  {
    ...base,
    id: 'firewall/bad-input',
    title: 'an unknown ingressPolicy or backend, or a bad admin chain name, is code 7 and adds no rule',
    expectedFailures: [{ impl: 'go', issue: 'none upstream', why: 'Go adds the address rules, then fails with 999 on an unknown policy; an unknown backend falls back to the default' }],
    async run(ctx) {
      const gp = bridgedPod(ctx, 'fwbr1', 1, 2);
      const before = await snapshotNode(ctx.node());
      for (const extra of [{ ingressPolicy: 'bogus' }, { backend: 'bogus' }, { iptablesAdminChainName: 'bad name!' }]) {
        expectError(await firewallAdd(ctx, firewallNetwork(ctx, extra), gp), 7, `firewall ADD with ${JSON.stringify(extra)}`);
      }
      await expectNodeClean(ctx.node(), before, { what: 'after the refused ADDs', waitMs: 0, signal: ctx.signal });
    },
  },
  {
    ...base,
    id: 'firewall/status',
    title: 'STATUS succeeds quietly',
    versions: ['1.1.0'],
    async run(ctx) {
      expectQuietSuccess((await statusNetwork(ctx, firewallNetwork(ctx)))[0]!, 'STATUS');
    },
  },
];
