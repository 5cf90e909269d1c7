/**
 * Peak RSS of each plugin process (GNU time's %M) for a pod ADD (loopback, bridge, portmap)
 * and a host-local ADD as [host-local], through the runtime library with every plugin run
 * under /usr/bin/time. Go's bridge figure is the larger of bridge and the host-local it runs;
 * ours runs host-local inside the bridge process.
 */
import { existsSync } from 'node:fs';
import type { BenchContext } from './context.ts';
import { Samples, interleave, makeRow } from './measure.ts';
import { podAddress } from './pods.ts';
import type { Side } from './side.ts';

export const RSS_PLUGINS = ['loopback', 'host-local', 'bridge', 'portmap'] as const;

export async function peakRss(ctx: BenchContext): Promise<void> {
  const { config, sides } = ctx;
  if (!existsSync('/usr/bin/time')) {
    ctx.progress('peak RSS skipped: /usr/bin/time is missing (Debian package time)');
    return;
  }
  ctx.pods.ensure(sides, 1);
  const samples = new Samples();
  const contenders = sides.map((side) => (s: Samples, round: number) => rssRound(side, round, s));
  await interleave(config.rssRuns, 1, contenders, samples);
  for (const p of RSS_PLUGINS) {
    ctx.addRow(makeRow('rss', `${p} ADD peak RSS`, samples, { ours: `ours ${p}`, go: `go ${p}` }, { unit: 'MB' }));
  }
}

async function rssRound(side: Side, round: number, s: Samples): Promise<void> {
  const rt = side.rssRuntime;
  const containerId = side.roundId('rss', round);
  const netns = side.podPath(1);
  const pod = { containerId, netns, ifname: 'eth0', capabilityArgs: side.portMappings(0) };
  const ipam = { containerId, netns, ifname: 'eth0' };
  const take = (what: readonly string[]) => {
    for (const r of side.log.take(containerId)) {
      if (r.command !== 'ADD' || !what.includes(r.plugin)) continue;
      if (r.exitCode === 0 && r.rssMb !== undefined) s.add(`${side.name} ${r.plugin}`, r.rssMb);
      else s.fail(`${side.name} ${r.plugin}`, `exit ${r.exitCode}`);
    }
  };
  try {
    await rt.addNetworkList(side.lo, { ...pod, ifname: 'lo' });
    const result = await rt.addNetworkList(side.podnet, pod);
    if (!podAddress(result, side.podPrefix)) s.fail(`${side.name} bridge`, 'no pod address in the result');
  } catch (e) {
    s.fail(`${side.name} bridge`, (e as Error).message);
  }
  take(['loopback', 'bridge', 'portmap']);
  try {
    await rt.addNetworkList(side.lists.hostLocal, ipam);
  } catch (e) {
    s.fail(`${side.name} host-local`, (e as Error).message);
  }
  take(['host-local']);
  for (const del of [
    () => rt.delNetworkList(side.podnet, pod),
    () => rt.delNetworkList(side.lo, { ...pod, ifname: 'lo' }),
    () => rt.delNetworkList(side.lists.hostLocal, ipam),
  ]) {
    await del().catch((e: Error) => s.fail(`${side.name} DEL`, e.message));
  }
  side.log.take(containerId);
}
