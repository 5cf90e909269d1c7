// sbr (meta, source-based routing, chained after an interface plugin): prevResult passed
// through; a "from <address>" rule per address into the first free table from 100, which
// receives the interface's routes (the default route via the gateway among them) while the main
// table loses them; traffic from the address leaves by that table; the `table` key; DEL removes
// the rules (and the netns being gone is success); CHECK; bad input (other-plugins.md 4).
// Pods are made by hand (veth pairs) so an sbr check does not depend on an interface plugin.
import type { TestNamespace } from '../../lib/testing/index.ts';
import { ensure, expectError, expectQuietSuccess, expectResult, expectSuccess, jsonEqual } from '../expect.ts';
import { makeVethPod, vethPodResult, type VethPod } from '../net.ts';
import { checkNetwork, delNetwork, requestConf, type Attachment, type Network } from '../network.ts';
import type { Check, CheckContext, ExpectedFailure, Invocation } from '../types.ts';
import { versionsFrom } from '../versions.ts';
import { withoutEmptyDns } from './loopback.ts';

/** A network list holding only sbr (the prevResult stands in for an interface plugin). */
function sbrNetwork(ctx: CheckContext, extra: Record<string, unknown> = {}): Network {
  return { name: 'conformance-net', cniVersion: ctx.version, plugins: [{ conf: { type: 'sbr', ...extra }, binary: ctx.bin('sbr') }] };
}

/** A hand-made pod, its attachment and the result an interface plugin would have printed. */
interface SbrPod {
  readonly vp: VethPod;
  readonly att: Attachment;
  readonly prev: Record<string, unknown>;
}

function sbrPod(ctx: CheckContext, index: number): SbrPod {
  const vp = makeVethPod(ctx, index);
  return { vp, att: { containerId: ctx.containerId(), ifname: 'eth0', netns: vp.netns }, prev: vethPodResult(vp, ctx.version) };
}

/** Runs sbr ADD for a pod (prevResult: the pod's, unless `opts` gives one, undefined for none). */
function sbrAdd(ctx: CheckContext, net: Network, p: SbrPod, opts: { prevResult?: unknown } = {}): Promise<Invocation> {
  const prevResult = 'prevResult' in opts ? opts.prevResult : p.prev;
  return ctx.call(net.plugins[0]!.binary, {
    command: 'ADD',
    stdin: requestConf(net, net.plugins[0]!, { prevResult }),
    containerId: p.att.containerId,
    netns: p.att.netns,
    ifname: 'eth0',
  });
}

/** The pod's IPv4 rules that have a source, as "10.99.1.2 lookup 100". */
function sourceRules(ns: TestNamespace): string[] {
  const rules = JSON.parse(ns.exec(['ip', '-j', '-4', 'rule', 'show']) || '[]') as { src?: string; table: string }[];
  return rules.filter((r) => r.src !== undefined && r.src !== 'all').map((r) => `${r.src} lookup ${r.table}`);
}

/** A table's IPv4 routes as "dst [via gw] dev" ([] for a table that does not exist). */
function tableRoutes(ns: TestNamespace, table: string | number): string[] {
  const r = ns.tryExec(['ip', '-j', '-4', 'route', 'show', 'table', String(table)]);
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout || '[]') as { dst: string; gateway?: string; dev?: string }[]).map((x) => `${x.dst}${x.gateway ? ` via ${x.gateway}` : ''} ${x.dev ?? ''}`.trim());
}

const base = { plugins: ['sbr'], requires: ['root'] } as const;

const GO_TABLE: ExpectedFailure = { impl: 'go', issue: 'added in v1.6.0 (plugins#1046)', why: 'Go 1.1.1 ignores "table" and picks table 100 anyway' };

/** The sbr checks. */
export const SBR_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'sbr/needs-prevresult',
    title: 'ADD without prevResult fails and adds no rule',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const p = sbrPod(ctx, 1);
      expectError(await sbrAdd(ctx, sbrNetwork(ctx), p, { prevResult: undefined }), undefined, 'sbr ADD without prevResult');
      ensure(sourceRules(p.vp.pod).length === 0, `the failed ADD left rules: ${sourceRules(p.vp.pod).join(', ')}`);
    },
  },
  {
    ...base,
    id: 'sbr/pass-through',
    title: 'ADD prints prevResult unchanged in the config version',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const p = sbrPod(ctx, 1);
      const net = sbrNetwork(ctx);
      const out = expectResult(await sbrAdd(ctx, net, p), ctx.version, 'sbr ADD');
      ensure(jsonEqual(withoutEmptyDns(out), p.prev), `the output differs from prevResult: ${JSON.stringify(out)}`);
      await delNetwork(ctx, net, p.att, { prevResult: p.prev });
    },
  },
  {
    ...base,
    id: 'sbr/rule-and-table',
    title: 'a rule "from <address> lookup 100"; table 100 holds the default route via the gateway and the subnet; the main table loses them; traffic from the address uses table 100',
    async run(ctx) {
      const p = sbrPod(ctx, 1);
      expectSuccess(await sbrAdd(ctx, sbrNetwork(ctx), p), 'sbr ADD');
      const rules = sourceRules(p.vp.pod);
      ensure(jsonEqual(rules, [`${p.vp.ip} lookup 100`]), `rules: ${rules.join(', ') || 'none'}`);
      const t100 = tableRoutes(p.vp.pod, 100);
      for (const want of [`default via ${p.vp.gateway} eth0`, '10.99.1.0/24 eth0']) ensure(t100.includes(want), `table 100 lacks "${want}": ${t100.join('; ')}`);
      const main = tableRoutes(p.vp.pod, 'main');
      ensure(main.length === 0, `the main table still routes by eth0: ${main.join('; ')}`);
      const get = p.vp.pod.exec(['ip', 'route', 'get', '192.0.2.1', 'from', p.vp.ip]);
      ensure(/table 100/.test(get), `a packet from ${p.vp.ip} is not routed by table 100: ${get.trim()}`);
      ensure(p.vp.pod.tryExec(['ping', '-c', '1', '-W', '2', '-I', p.vp.ip, '192.0.2.1']).code === 0, `ping from ${p.vp.ip} to the node address 192.0.2.1 failed`);
    },
  },
  {
    ...base,
    id: 'sbr/next-free-table',
    title: 'a table some rule already looks up is skipped',
    async run(ctx) {
      const p = sbrPod(ctx, 1);
      p.vp.pod.exec(['ip', 'rule', 'add', 'from', '198.51.100.7', 'lookup', '100']);
      expectSuccess(await sbrAdd(ctx, sbrNetwork(ctx), p), 'sbr ADD');
      const rules = sourceRules(p.vp.pod);
      ensure(rules.includes(`${p.vp.ip} lookup 101`), `expected the rule to look up table 101: ${rules.join(', ')}`);
    },
  },
  {
    ...base,
    id: 'sbr/table',
    title: 'with "table": the rule looks that table up and the routes stay in the main table',
    expectedFailures: [GO_TABLE],
    async run(ctx) {
      const p = sbrPod(ctx, 1);
      const mainBefore = tableRoutes(p.vp.pod, 'main');
      expectSuccess(await sbrAdd(ctx, sbrNetwork(ctx, { table: 300 }), p), 'sbr ADD with table 300');
      const rules = sourceRules(p.vp.pod);
      ensure(jsonEqual(rules, [`${p.vp.ip} lookup 300`]), `rules: ${rules.join(', ') || 'none'}`);
      ensure(jsonEqual(tableRoutes(p.vp.pod, 'main'), mainBefore), `the main table changed: ${tableRoutes(p.vp.pod, 'main').join('; ')}`);
    },
  },
  {
    ...base,
    id: 'sbr/del',
    title: 'DEL removes the rule, and succeeds again',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const p = sbrPod(ctx, 1);
      const net = sbrNetwork(ctx);
      expectSuccess(await sbrAdd(ctx, net, p), 'sbr ADD');
      ensure(sourceRules(p.vp.pod).length === 1, 'ADD added no rule');
      await delNetwork(ctx, net, p.att, { prevResult: p.prev });
      ensure(sourceRules(p.vp.pod).length === 0, `DEL left rules: ${sourceRules(p.vp.pod).join(', ')}`);
      await delNetwork(ctx, net, p.att, { prevResult: p.prev });
    },
  },
  {
    ...base,
    id: 'sbr/del-netns-gone',
    title: 'DEL after the pod namespace is gone succeeds (with an empty CNI_NETNS too)',
    expectedFailures: [{ impl: 'go', issue: 'none upstream (other-plugins.md 4)', why: 'the lock creates an empty file at the netns path and DEL fails "unknown FS magic"' }],
    async run(ctx) {
      const p = sbrPod(ctx, 1);
      const net = sbrNetwork(ctx);
      expectSuccess(await sbrAdd(ctx, net, p), 'sbr ADD');
      p.vp.pod.remove();
      try {
        await delNetwork(ctx, net, p.att, { prevResult: p.prev });
        await delNetwork(ctx, net, p.att, { prevResult: p.prev, netns: '' });
      } finally {
        ctx.node().tryExec(['rm', '-f', p.vp.netns]); // Go's stray file, when it made one
      }
    },
  },
  {
    ...base,
    id: 'sbr/check',
    title: 'CHECK passes after ADD and fails once the rule was deleted behind its back',
    versions: versionsFrom('0.4.0'),
    expectedFailures: [{ impl: 'go', issue: 'none upstream (other-plugins.md 4)', why: 'Go\'s CHECK checks nothing' }],
    async run(ctx) {
      const p = sbrPod(ctx, 1);
      const net = sbrNetwork(ctx);
      const prevResult = expectSuccess(await sbrAdd(ctx, net, p), 'sbr ADD');
      expectQuietSuccess((await checkNetwork(ctx, net, p.att, { prevResult }))[0]!, 'CHECK after ADD');
      p.vp.pod.exec(['ip', 'rule', 'del', 'from', p.vp.ip, 'lookup', '100']);
      expectError((await checkNetwork(ctx, net, p.att, { prevResult }))[0]!, undefined, 'CHECK with the rule deleted');
    },
  },
  {
    ...base,
    id: 'sbr/bad-table',
    title: 'a reserved table (254 main, 255 local) or one out of range (0, 2^32) is code 7, before anything changes',
    expectedFailures: [GO_TABLE],
    async run(ctx) {
      const p = sbrPod(ctx, 1);
      const mainBefore = tableRoutes(p.vp.pod, 'main');
      for (const table of [254, 255, 0, 4294967296]) {
        expectError(await sbrAdd(ctx, sbrNetwork(ctx, { table }), p), 7, `sbr ADD with table ${table}`);
        ensure(sourceRules(p.vp.pod).length === 0, `sbr ADD with table ${table} added rules: ${sourceRules(p.vp.pod).join(', ')}`);
        ensure(jsonEqual(tableRoutes(p.vp.pod, 'main'), mainBefore), `sbr ADD with table ${table} changed the main table`);
      }
    },
  },
];
