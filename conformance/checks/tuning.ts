// tuning (meta, chained after an interface plugin): prevResult passed through with the MAC
// patched, sysctls and link attributes set in the pod, the originals restored on DEL (also by
// the backup file alone), CHECK, bad input refused before anything changes (other-plugins.md 2).
// Pods are made by hand (veth pairs) so a tuning check does not depend on an interface plugin.
import { existsSync, readdirSync } from 'node:fs';
import type { TestNamespace } from '../../lib/testing/index.ts';
import { ensure, expectError, expectQuietSuccess, expectResult, expectSuccess, jsonEqual } from '../expect.ts';
import { makeVethPod, vethPodResult, type VethPod } from '../net.ts';
import { checkNetwork, delNetwork, requestConf, type Attachment, type Network } from '../network.ts';
import type { Check, CheckContext, ExpectedFailure, Invocation, Side } from '../types.ts';
import { hasChaining, SPEC_VERSIONS, versionsFrom, type SpecVersion } from '../versions.ts';
import { tuningConf, tuningDataDir } from './fixtures.ts';
import { withoutEmptyDns } from './loopback.ts';

/** The attributes tuning may change, as the kernel shows them. */
export interface LinkAttrs {
  readonly mac: string;
  readonly mtu: number;
  readonly promisc: boolean;
  readonly allmulti: boolean;
  readonly txqlen: number;
}

/** Reads eth0's attributes in `ns`. */
export function linkAttrs(ns: TestNamespace, ifname = 'eth0'): LinkAttrs {
  const [l] = JSON.parse(ns.exec(['ip', '-j', '-d', 'link', 'show', 'dev', ifname])) as { address: string; mtu: number; flags: string[]; txqlen?: number }[];
  ensure(l !== undefined, `${ifname} is missing in ${ns.name}`);
  return { mac: l.address, mtu: l.mtu, promisc: l.flags.includes('PROMISC'), allmulti: l.flags.includes('ALLMULTI'), txqlen: l.txqlen ?? -1 };
}

/** A unicast, locally administered MAC for the checks. */
export const TUNED_MAC = '0a:58:0a:63:01:99';

/** Settings every implementation has (Go 1.1.1 included). */
export const TUNED = { mac: TUNED_MAC, mtu: 1400, promisc: true, allmulti: true } as const;

/** A network list holding only tuning (the prevResult stands in for an interface plugin). */
export function tuningNetwork(ctx: CheckContext, extra: Record<string, unknown> = {}, side: Side = 'plugins', version: SpecVersion = ctx.version): Network {
  return { name: 'conformance-net', cniVersion: version, plugins: [{ conf: tuningConf(ctx, extra), binary: ctx.bin('tuning', side) }] };
}

/** A hand-made pod with its attachment and the result an interface plugin would have printed. */
export interface TunedPod {
  readonly vp: VethPod;
  readonly att: Attachment;
  readonly prev: Record<string, unknown>;
}

/** Makes pod `index` (a veth pair, see makeVethPod). */
export function tunedPod(ctx: CheckContext, index: number, version: SpecVersion = ctx.version): TunedPod {
  const vp = makeVethPod(ctx, index);
  return { vp, att: { containerId: ctx.containerId(), ifname: 'eth0', netns: vp.netns }, prev: vethPodResult(vp, version) };
}

/** Runs tuning ADD for a pod (prevResult: the pod's, unless given; capability args optional). */
export function tuningAdd(ctx: CheckContext, net: Network, tp: TunedPod, opts: { prevResult?: unknown; caps?: Record<string, unknown>; args?: string } = {}): Promise<Invocation> {
  const prevResult = 'prevResult' in opts ? opts.prevResult : tp.prev;
  return ctx.call(net.plugins[0]!.binary, {
    command: 'ADD',
    stdin: requestConf(net, net.plugins[0]!, { prevResult, capabilityArgs: opts.caps }),
    containerId: tp.att.containerId,
    netns: tp.att.netns,
    ifname: 'eth0',
    ...(opts.args !== undefined ? { args: opts.args } : {}),
  });
}

/** prevResult with `mac` on the interfaces named eth0 (what tuning must print after setting one). */
export function withMac(prev: Record<string, unknown>, mac: string): Record<string, unknown> {
  const ifs = prev.interfaces as Record<string, unknown>[] | undefined;
  if (!ifs) return prev;
  return { ...prev, interfaces: ifs.map((i) => (i.name === 'eth0' ? { ...i, mac } : i)) };
}

/** Fails unless the pod's eth0 has `want` (only the keys given). */
export function expectAttrs(ns: TestNamespace, want: Partial<LinkAttrs>, what: string): void {
  const got = linkAttrs(ns);
  const wrong = (Object.keys(want) as (keyof LinkAttrs)[]).filter((k) => got[k] !== want[k]);
  ensure(wrong.length === 0, `${what}: ${wrong.map((k) => `${k} is ${String(got[k])}, expected ${String(want[k])}`).join('; ')}`);
}

/** The backup files in the check's tuning dataDir. */
export function backupFiles(ctx: CheckContext): string[] {
  const dir = tuningDataDir(ctx);
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Reads a sysctl inside `ns` (dotted name), trimmed. */
function sysctl(ns: TestNamespace, key: string): string {
  return ns.exec(['sysctl', '-n', key]).trim();
}

/** Shared body: ADD `settings`, see them applied, DEL (as `del` says), see the originals back and no backup left. */
async function restoreScenario(ctx: CheckContext, settings: Record<string, unknown>, applied: Partial<LinkAttrs>, del: (net: Network, tp: TunedPod) => Promise<void>): Promise<void> {
  const net = tuningNetwork(ctx, settings);
  const tp = tunedPod(ctx, 1);
  const original = linkAttrs(tp.vp.pod);
  expectSuccess(await tuningAdd(ctx, net, tp), 'tuning ADD');
  expectAttrs(tp.vp.pod, applied, 'after ADD');
  await del(net, tp);
  const keys = Object.keys(applied) as (keyof LinkAttrs)[];
  expectAttrs(tp.vp.pod, Object.fromEntries(keys.map((k) => [k, original[k]])), 'after DEL (the originals)');
  ensure(backupFiles(ctx).length === 0, `after DEL the backup is still in the dataDir: ${backupFiles(ctx).join(', ')}`);
}

const base = { plugins: ['tuning'], requires: ['root'] } as const;

const GO_TXQLEN: ExpectedFailure = { impl: 'go', issue: 'added in v1.4.0 (other-plugins.md 15)', why: 'Go 1.1.1 ignores txQLen' };

/** The tuning checks. */
export const TUNING_CHECKS: readonly Check[] = [
  {
    ...base,
    id: 'tuning/needs-prevresult',
    title: 'ADD without prevResult fails',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const tp = tunedPod(ctx, 1);
      expectError(await tuningAdd(ctx, tuningNetwork(ctx, { mtu: 1400 }), tp, { prevResult: undefined }), undefined, 'tuning ADD without prevResult');
      expectAttrs(tp.vp.pod, { mtu: 1500 }, 'after the failed ADD');
    },
  },
  {
    ...base,
    id: 'tuning/pass-through',
    title: 'ADD without a MAC prints prevResult unchanged in the config version (podman\'s key-less tuning, and with sysctls)',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      for (const [i, settings] of [[1, {}], [2, { sysctl: { 'net.ipv4.conf.eth0.arp_filter': '1' }, mtu: 1400 }]] as const) {
        const tp = tunedPod(ctx, i);
        const net = tuningNetwork(ctx, settings);
        const out = expectResult(await tuningAdd(ctx, net, tp), ctx.version, `tuning ADD ${JSON.stringify(settings)}`);
        ensure(jsonEqual(withoutEmptyDns(out), tp.prev), `tuning ADD ${JSON.stringify(settings)}: the output differs from prevResult: ${JSON.stringify(out)}`);
        await delNetwork(ctx, net, tp.att, { prevResult: tp.prev });
      }
    },
  },
  {
    ...base,
    id: 'tuning/mac',
    title: 'a configured MAC is set on the pod interface and patched into the result (only there)',
    versions: versionsFrom('0.3.0'),
    async run(ctx) {
      const tp = tunedPod(ctx, 1);
      const net = tuningNetwork(ctx, { mac: TUNED_MAC });
      const out = expectResult(await tuningAdd(ctx, net, tp), ctx.version, 'tuning ADD');
      expectAttrs(tp.vp.pod, { mac: TUNED_MAC }, 'after ADD');
      const want = withMac(tp.prev, TUNED_MAC);
      ensure(jsonEqual(withoutEmptyDns(out), want), `the result should be prevResult with mac ${TUNED_MAC} on eth0: ${JSON.stringify(out)}`);
    },
  },
  {
    ...base,
    id: 'tuning/mac-sources',
    title: 'the MAC from CNI_ARGS overrides the config, and the mac capability overrides CNI_ARGS',
    async run(ctx) {
      const net = tuningNetwork(ctx, { mac: '0a:58:00:00:00:01', capabilities: { mac: true } });
      const a = tunedPod(ctx, 1);
      expectSuccess(await tuningAdd(ctx, net, a, { args: 'IgnoreUnknown=1;MAC=0a:58:00:00:00:02' }), 'tuning ADD with CNI_ARGS MAC');
      expectAttrs(a.vp.pod, { mac: '0a:58:00:00:00:02' }, 'CNI_ARGS MAC over the config');
      const b = tunedPod(ctx, 2);
      expectSuccess(await tuningAdd(ctx, net, b, { args: 'IgnoreUnknown=1;MAC=0a:58:00:00:00:02', caps: { mac: '0a:58:00:00:00:03' } }), 'tuning ADD with runtimeConfig.mac');
      expectAttrs(b.vp.pod, { mac: '0a:58:00:00:00:03' }, 'runtimeConfig.mac over CNI_ARGS');
    },
  },
  {
    ...base,
    id: 'tuning/sysctl',
    title: 'sysctls are set in the pod namespace only (IFNAME stands for the interface), the node keeps its values',
    async run(ctx) {
      const node = ctx.node();
      const tp = tunedPod(ctx, 1);
      const nodeBefore = [sysctl(node, 'net.core.somaxconn'), sysctl(node, 'net.ipv4.conf.all.arp_filter')];
      const net = tuningNetwork(ctx, { sysctl: { 'net.ipv4.conf.IFNAME.arp_filter': '1', 'net.core.somaxconn': '512' } });
      expectSuccess(await tuningAdd(ctx, net, tp), 'tuning ADD');
      ensure(sysctl(tp.vp.pod, 'net.ipv4.conf.eth0.arp_filter') === '1', 'net.ipv4.conf.eth0.arp_filter is not 1 in the pod');
      ensure(sysctl(tp.vp.pod, 'net.core.somaxconn') === '512', 'net.core.somaxconn is not 512 in the pod');
      const nodeAfter = [sysctl(node, 'net.core.somaxconn'), sysctl(node, 'net.ipv4.conf.all.arp_filter')];
      ensure(jsonEqual(nodeBefore, nodeAfter), `the node's sysctls changed: ${nodeBefore.join(',')} -> ${nodeAfter.join(',')}`);
    },
  },
  {
    ...base,
    id: 'tuning/del-restores',
    title: 'DEL restores the original MAC, MTU, promisc and allmulti, removes its backup, and succeeds again',
    versions: SPEC_VERSIONS,
    async run(ctx) {
      await restoreScenario(ctx, TUNED, TUNED, async (net, tp) => {
        await delNetwork(ctx, net, tp.att, { prevResult: tp.prev });
        await delNetwork(ctx, net, tp.att, { prevResult: tp.prev });
      });
    },
  },
  {
    ...base,
    id: 'tuning/del-no-prevresult',
    title: 'DEL without prevResult (lost cache) restores the originals from the backup',
    async run(ctx) {
      await restoreScenario(ctx, TUNED, TUNED, (net, tp) => delNetwork(ctx, net, tp.att));
    },
  },
  {
    ...base,
    id: 'tuning/txqlen',
    title: 'txQLen is set on ADD and restored on DEL',
    expectedFailures: [GO_TXQLEN],
    async run(ctx) {
      await restoreScenario(ctx, { txQLen: 321 }, { txqlen: 321 }, (net, tp) => delNetwork(ctx, net, tp.att, { prevResult: tp.prev }));
    },
  },
  {
    ...base,
    id: 'tuning/del-netns-gone',
    title: 'DEL after the pod namespace is gone succeeds (with an empty CNI_NETNS too) and leaves no backup behind',
    expectedFailures: [{ impl: 'go', issue: 'none upstream (other-plugins.md 2: "backup leak")', why: 'DEL returns early when the link is gone and leaves <containerID>_<ifname>.json' }],
    async run(ctx) {
      const net = tuningNetwork(ctx, TUNED);
      const tp = tunedPod(ctx, 1);
      expectSuccess(await tuningAdd(ctx, net, tp), 'tuning ADD');
      ensure(backupFiles(ctx).length === 1, `ADD should have saved one backup, the dataDir holds: ${backupFiles(ctx).join(', ') || 'nothing'}`);
      tp.vp.pod.remove();
      await delNetwork(ctx, net, tp.att, { prevResult: tp.prev });
      await delNetwork(ctx, net, tp.att, { prevResult: tp.prev, netns: '' });
      ensure(backupFiles(ctx).length === 0, `after DEL the backup is still in the dataDir: ${backupFiles(ctx).join(', ')}`);
    },
  },
  {
    ...base,
    id: 'tuning/del-unknown',
    title: 'DEL of an attachment never added succeeds and changes nothing',
    async run(ctx) {
      const tp = tunedPod(ctx, 1);
      const before = linkAttrs(tp.vp.pod);
      const net = tuningNetwork(ctx, TUNED);
      await delNetwork(ctx, net, tp.att, { prevResult: tp.prev });
      await delNetwork(ctx, net, tp.att, { netns: null });
      ensure(jsonEqual(linkAttrs(tp.vp.pod), before), 'DEL of an unknown attachment changed the pod interface');
    },
  },
  {
    ...base,
    id: 'tuning/check',
    title: 'CHECK passes after ADD and fails once the MTU or promisc mode was changed behind its back',
    versions: versionsFrom('0.4.0'),
    async run(ctx) {
      const net = tuningNetwork(ctx, { mtu: 1400, sysctl: { 'net.core.somaxconn': '512' } });
      const tp = tunedPod(ctx, 1);
      const prevResult = expectSuccess(await tuningAdd(ctx, net, tp), 'tuning ADD');
      expectQuietSuccess((await checkNetwork(ctx, net, tp.att, { prevResult }))[0]!, 'CHECK after ADD');
      tp.vp.pod.exec(['ip', 'link', 'set', 'eth0', 'promisc', 'on']);
      expectError((await checkNetwork(ctx, net, tp.att, { prevResult }))[0]!, undefined, 'CHECK with promisc turned on');
      tp.vp.pod.exec(['ip', 'link', 'set', 'eth0', 'promisc', 'off', 'mtu', '1300']);
      expectError((await checkNetwork(ctx, net, tp.att, { prevResult }))[0]!, undefined, 'CHECK with the MTU changed to 1300');
    },
  },
  {
    ...base,
    id: 'tuning/check-ifname-sysctl',
    title: 'CHECK compares a sysctl written with IFNAME against the pod interface',
    versions: versionsFrom('0.4.0'),
    expectedFailures: [{ impl: 'go', issue: 'fixed in v1.2.0 (other-plugins.md 15)', why: 'CHECK does not replace IFNAME and fails opening /proc/sys/net/ipv4/conf/IFNAME/...' }],
    async run(ctx) {
      const net = tuningNetwork(ctx, { sysctl: { 'net.ipv4.conf.IFNAME.arp_filter': '1' } });
      const tp = tunedPod(ctx, 1);
      const prevResult = expectSuccess(await tuningAdd(ctx, net, tp), 'tuning ADD');
      expectQuietSuccess((await checkNetwork(ctx, net, tp.att, { prevResult }))[0]!, 'CHECK after ADD');
      tp.vp.pod.exec(['sysctl', '-q', '-w', 'net.ipv4.conf.eth0.arp_filter=0']);
      expectError((await checkNetwork(ctx, net, tp.att, { prevResult }))[0]!, undefined, 'CHECK with arp_filter reset to 0');
    },
  },
  {
    ...base,
    id: 'tuning/bad-input',
    title: 'a non-net sysctl, a ".." key, a multicast MAC or an MTU out of range is code 7, before anything changes',
    expectedFailures: [{ impl: 'go', issue: 'none upstream', why: 'Go answers 999 (or the kernel\'s error after changing the link) instead of 7' }],
    async run(ctx) {
      const tp = tunedPod(ctx, 1);
      const before = linkAttrs(tp.vp.pod);
      const somaxconn = sysctl(tp.vp.pod, 'net.core.somaxconn');
      const bad: [string, Record<string, unknown>][] = [
        ['sysctl kernel.hostname', { sysctl: { 'net.core.somaxconn': '600', 'kernel.hostname': 'x' }, mtu: 1400 }],
        ['sysctl net.core..somaxconn (an empty part)', { sysctl: { 'net.core..somaxconn': '600' }, mtu: 1400 }],
        ['multicast mac', { mac: '01:00:5e:00:00:01', mtu: 1400 }],
        ['mtu 70000', { mtu: 70000, mac: TUNED_MAC }],
      ];
      for (const [what, settings] of bad) {
        const inv = await tuningAdd(ctx, tuningNetwork(ctx, settings), tp);
        expectError(inv, 7, `tuning ADD with ${what}`);
        ensure(jsonEqual(linkAttrs(tp.vp.pod), before), `tuning ADD with ${what} changed the pod interface`);
        ensure(sysctl(tp.vp.pod, 'net.core.somaxconn') === somaxconn, `tuning ADD with ${what} changed net.core.somaxconn`);
      }
    },
  },
  {
    ...base,
    id: 'tuning/legacy-result',
    title: 'ADD at 0.1.0/0.2.0 prints the legacy prevResult it was given',
    versions: ['0.1.0', '0.2.0'],
    async run(ctx) {
      const tp = tunedPod(ctx, 1);
      const out = expectResult(await tuningAdd(ctx, tuningNetwork(ctx, { mtu: 1400 }), tp), ctx.version, 'tuning ADD');
      ensure(!hasChaining(ctx.version) && jsonEqual(withoutEmptyDns(out), tp.prev), `the output differs from prevResult: ${JSON.stringify(out)}`);
    },
  },
];
