// The interop tier for the chained and routed plugins: podman's chain [bridge, firewall, tuning]
// and kind's [ptp + host-local] mixing the implementation under test with the reference, and DEL
// by one implementation of what the other ADDed (firewall rules, tuning's backup file, ptp's veth
// and masquerade rules). Needs --reference.
import { dirname } from 'node:path';
import { ensure, expectQuietSuccess, expectSuccess, jsonEqual } from '../expect.ts';
import { expectPing } from '../net.ts';
import { addNetwork, checkNetwork, delNetwork, type Network } from '../network.ts';
import { expectNodeClean, snapshotNode } from '../node-state.ts';
import { resultAddresses } from '../shape.ts';
import type { Check, PluginName, Side } from '../types.ts';
import { hasCheck } from '../versions.ts';
import { filterRules, firewallAdd, firewallNetwork, routedPod } from './firewall.ts';
import { BRIDGE, bridgeConf, firewallConf, newPod, ptpNetwork, tuningConf, tuningDataDir, warmUp } from './fixtures.ts';
import { backupFiles, expectAttrs, linkAttrs, TUNED, TUNED_MAC, tunedPod, tuningAdd, tuningNetwork } from './tuning.ts';

const other = (s: Side): Side => (s === 'plugins' ? 'reference' : 'plugins');

function who(s: Side): string {
  return s === 'plugins' ? 'tested' : 'reference';
}

function split(entries: readonly [PluginName, Side][]): { plugins: PluginName[]; refPlugins: PluginName[] } {
  return {
    plugins: entries.filter(([, s]) => s === 'plugins').map(([p]) => p),
    refPlugins: entries.filter(([, s]) => s === 'reference').map(([p]) => p),
  };
}

/** podman's chain: bridge(+host-local) from `bridge`, firewall and tuning from `meta`. */
function podmanChain(bridge: Side, meta: Side): Check {
  return {
    id: `interop/podman-bridge-${who(bridge)}+firewall-tuning-${who(meta)}`,
    title: `${who(bridge)} bridge chained with ${who(meta)} firewall and tuning: the MAC reaches the result, pods talk, CHECK passes, DEL leaves nothing`,
    ...split([['bridge', bridge], ['host-local', bridge], ['firewall', meta], ['tuning', meta]]),
    requires: ['root', 'ping', 'iptables'],
    async run(ctx) {
      const bridgeBin = ctx.bin('bridge', bridge);
      const net: Network = {
        name: 'conformance-net',
        cniVersion: ctx.version,
        plugins: [
          { conf: bridgeConf(ctx), binary: bridgeBin, cniPath: dirname(bridgeBin) },
          { conf: firewallConf(ctx), binary: ctx.bin('firewall', meta) },
          { conf: tuningConf(ctx, { capabilities: { mac: true }, mtu: 1400 }), binary: ctx.bin('tuning', meta) },
        ],
      };
      const before = await warmUp(ctx, net, { mac: '0a:58:0a:58:00:fe' });
      ctx.node().exec(['iptables', '-P', 'FORWARD', 'DROP']);
      const a = newPod(ctx);
      const b = newPod(ctx);
      const ra = await addNetwork(ctx, net, a, { mac: TUNED_MAC });
      const rb = await addNetwork(ctx, net, b);
      const eth0 = (ra.interfaces as Record<string, unknown>[]).find((i) => i.name === 'eth0' && i.sandbox === a.netns);
      ensure(eth0?.mac === TUNED_MAC, `the chain's result should carry the MAC tuning set (${TUNED_MAC}) on eth0: ${JSON.stringify(eth0)}`);
      ensure((ra.interfaces as Record<string, unknown>[])[0]?.name === BRIDGE, 'the bridge is no longer interfaces[0] after the meta plugins');
      expectAttrs(a.ns, { mac: TUNED_MAC, mtu: 1400 }, 'pod A');
      await expectPing(a.ns, (resultAddresses(rb)[0] ?? '').split('/')[0] as string, 'pod A -> pod B', ctx.signal);
      if (hasCheck(ctx.version)) expectQuietSuccess((await checkNetwork(ctx, net, a, { prevResult: ra, capabilityArgs: { mac: TUNED_MAC } })).at(-1)!, 'CHECK');
      await delNetwork(ctx, net, a, { prevResult: ra, capabilityArgs: { mac: TUNED_MAC } });
      await delNetwork(ctx, net, b, { prevResult: rb });
      ctx.node().exec(['iptables', '-P', 'FORWARD', 'ACCEPT']);
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir, tuningDataDir(ctx)], signal: ctx.signal });
    },
  };
}

/** kind's network: ptp from one side delegating to the other side's host-local. */
function mixedPtp(ptp: Side, ipam: Side): Check {
  return {
    id: `interop/ptp-${who(ptp)}+host-local-${who(ipam)}`,
    title: `${who(ptp)} ptp delegating to ${who(ipam)} host-local: pods talk, CHECK passes, DEL leaves nothing`,
    ...split([['ptp', ptp], ['host-local', ipam]]),
    requires: ['root', 'ping'],
    async run(ctx) {
      const net = ptpNetwork(ctx, ctx.version, { ptpSide: ptp, ipamSide: ipam });
      const before = await warmUp(ctx, net);
      const a = newPod(ctx);
      const b = newPod(ctx);
      const ra = await addNetwork(ctx, net, a);
      const rb = await addNetwork(ctx, net, b);
      await expectPing(a.ns, (resultAddresses(rb)[0] ?? '').split('/')[0] as string, 'pod A -> pod B', ctx.signal);
      if (hasCheck(ctx.version)) expectQuietSuccess((await checkNetwork(ctx, net, a, { prevResult: ra })).at(-1)!, 'CHECK');
      await delNetwork(ctx, net, a, { prevResult: ra });
      await delNetwork(ctx, net, b, { prevResult: rb });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  };
}

/** ADD by one ptp, DEL by the other: veth, host route and masquerade rules gone, address released. */
function crossDelPtp(adder: Side): Check {
  const deleter = other(adder);
  return {
    id: `interop/del-by-${who(deleter)}/ptp`,
    title: `DEL by the ${who(deleter)} ptp of a pod the ${who(adder)} ptp ADDed leaves nothing on the node`,
    plugins: ['ptp', 'host-local'],
    refPlugins: ['ptp', 'host-local'],
    requires: ['root'],
    async run(ctx) {
      const addNet = ptpNetwork(ctx, ctx.version, { ptpSide: adder });
      const delNet = ptpNetwork(ctx, ctx.version, { ptpSide: deleter });
      await warmUp(ctx, addNet);
      const before = await warmUp(ctx, delNet);
      const pod = newPod(ctx);
      const result = await addNetwork(ctx, addNet, pod);
      await delNetwork(ctx, delNet, pod, { prevResult: result });
      await expectNodeClean(ctx.node(), before, { dataDirs: [ctx.dataDir], signal: ctx.signal });
    },
  };
}

/** ADD by one firewall, DEL by the other: the pod's rules are gone. */
function crossDelFirewall(adder: Side): Check {
  const deleter = other(adder);
  return {
    id: `interop/del-by-${who(deleter)}/firewall`,
    title: `DEL by the ${who(deleter)} firewall of rules the ${who(adder)} firewall added removes them`,
    plugins: ['firewall'],
    refPlugins: ['firewall'],
    requires: ['root', 'iptables'],
    async run(ctx) {
      const addNet = firewallNetwork(ctx, {}, adder);
      const delNet = firewallNetwork(ctx, {}, deleter);
      let i = 1;
      for (const net of [addNet, delNet]) {
        const w = routedPod(ctx, i++);
        expectSuccess(await firewallAdd(ctx, net, w), 'warm-up firewall ADD');
        await delNetwork(ctx, net, w.att, { prevResult: w.prev });
      }
      const gp = routedPod(ctx, i);
      const before = await snapshotNode(ctx.node());
      expectSuccess(await firewallAdd(ctx, addNet, gp), `the ${who(adder)} firewall ADD`);
      ensure(filterRules(ctx.node()).some((l) => l.includes(`${gp.vp.ip}/32`)), `the ${who(adder)} ADD added no rule for ${gp.vp.ip}`);
      await delNetwork(ctx, delNet, gp.att, { prevResult: gp.prev });
      await expectNodeClean(ctx.node(), before, { signal: ctx.signal });
    },
  };
}

/** ADD by one tuning, DEL by the other: the originals are back (from the shared backup file). */
function crossDelTuning(adder: Side): Check {
  const deleter = other(adder);
  return {
    id: `interop/del-by-${who(deleter)}/tuning`,
    title: `DEL by the ${who(deleter)} tuning restores what the ${who(adder)} tuning changed and removes its backup`,
    plugins: ['tuning'],
    refPlugins: ['tuning'],
    requires: ['root'],
    async run(ctx) {
      const tp = tunedPod(ctx, 1);
      const original = linkAttrs(tp.vp.pod);
      expectSuccess(await tuningAdd(ctx, tuningNetwork(ctx, TUNED, adder), tp), `the ${who(adder)} tuning ADD`);
      expectAttrs(tp.vp.pod, TUNED, `after the ${who(adder)} ADD`);
      await delNetwork(ctx, tuningNetwork(ctx, TUNED, deleter), tp.att, { prevResult: tp.prev });
      ensure(jsonEqual(linkAttrs(tp.vp.pod), original), `after the ${who(deleter)} DEL eth0 is ${JSON.stringify(linkAttrs(tp.vp.pod))}, was ${JSON.stringify(original)}`);
      ensure(backupFiles(ctx).length === 0, `after DEL the backup is still there: ${backupFiles(ctx).join(', ')}`);
    },
  };
}

/** The interop checks of firewall, tuning and ptp (they need --reference). */
export const INTEROP_CHAIN_CHECKS: readonly Check[] = [
  podmanChain('reference', 'plugins'),
  podmanChain('plugins', 'reference'),
  mixedPtp('plugins', 'reference'),
  mixedPtp('reference', 'plugins'),
  crossDelPtp('plugins'),
  crossDelPtp('reference'),
  crossDelFirewall('plugins'),
  crossDelFirewall('reference'),
  crossDelTuning('plugins'),
  crossDelTuning('reference'),
];
