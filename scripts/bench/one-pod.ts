/**
 * One pod on an otherwise empty node, ADD then DEL, `runs` times (Go reference §2.1), through
 * our runtime library in this process; plus the same pod set up by two cnitool runs each way
 * (a process per network, as a command-line user would), for comparison.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withNetns } from '../../lib/netns/index.ts';
import type { BenchContext } from './context.ts';
import { Samples, interleave, makeRow } from './measure.ts';
import { type PodTiming, addPod, delPod } from './pods.ts';
import type { Side } from './side.ts';
import { type SyncRun, baseEnv, runSync } from './spawn-sync.ts';

const PARTS: readonly [string, string][] = [
  ['loopback', 'loopback'],
  ['bridge', 'bridge + host-local'],
  ['portmap', 'portmap'],
];

export async function onePod(ctx: BenchContext): Promise<void> {
  const { config, sides } = ctx;
  ctx.pods.ensure(sides, 2);
  const samples = new Samples();
  const first: Record<string, number> = {};
  const contenders = sides.map((side) => async (s: Samples, round: number) => {
    const add = await addPod(side, 1);
    const del = await delPod(side, 1);
    if (round === 0 && !add.error) first[side.name] = add.ms;
    keep(s, side, 'ADD', add);
    keep(s, side, 'DEL', del);
  });
  await interleave(config.runs, config.warmup, contenders, samples);
  for (const verb of ['ADD', 'DEL']) {
    ctx.addRow(
      makeRow('pod', `pod ${verb} (library in process: lo, bridge+portmap)`, samples, { ours: `ours ${verb}`, go: `go ${verb}` }),
    );
    for (const [plugin, label] of PARTS) {
      ctx.addRow(makeRow('pod', `  ${verb} ${label} exec`, samples, { ours: `ours ${verb} ${plugin}`, go: `go ${verb} ${plugin}` }));
    }
    ctx.addRow(makeRow('pod', `  ${verb} library's own work`, samples, { ours: `ours ${verb} overhead`, go: `go ${verb} overhead` }));
  }
  ctx.details.firstPodAdd = first;

  // containerd's default: both networks at once (go-cni Setup); DEL stays serial there too
  const together = new Samples();
  const concurrent = sides.map((side) => async (s: Samples) => {
    const add = await addPod(side, 1, { concurrent: true });
    await delPod(side, 1);
    if (add.error) s.fail(`${side.name} ADD`, add.error);
    else s.add(`${side.name} ADD`, add.ms);
  });
  await interleave(config.runs, config.warmup, concurrent, together);
  ctx.addRow(makeRow('pod', 'pod ADD, both networks at once (containerd go-cni Setup)', together, { ours: 'ours ADD', go: 'go ADD' }));

  // The same pod through cnitool (ours, for both sides: only CNI_PATH differs).
  const cnitool = new Samples();
  const confDirs = new Map(sides.map((side) => [side, writeConfDir(side, config.state)]));
  const tool = sides.map((side) => (s: Samples) => {
    const run = (verb: string, net: string, ifname: string, caps = '{}'): SyncRun =>
      withNetns(side.node, () =>
        runSync([join(config.pluginDirs.ours, 'cnitool'), verb, net, side.podPath(2)], baseEnv({
          NETCONFPATH: confDirs.get(side) as string,
          CNI_PATH: side.pluginDir,
          CNI_CACHE_DIR: join(config.state, side.name, 'cache-cnitool'),
          CNI_IFNAME: ifname,
          CAP_ARGS: caps,
        })),
      );
    const caps = JSON.stringify(side.portMappings(2));
    const steps = {
      ADD: [run('add', side.lo.name, 'lo'), run('add', side.podnet.name, 'eth0', caps)],
      DEL: [run('del', side.podnet.name, 'eth0', caps), run('del', side.lo.name, 'lo')],
    };
    for (const [verb, runs] of Object.entries(steps)) {
      const bad = runs.find((r) => r.status !== 0);
      if (bad) s.fail(`${side.name} ${verb}`, `exit ${bad.status}: ${(bad.stdout || bad.stderr).slice(0, 300)}`);
      else s.add(`${side.name} ${verb}`, runs.reduce((sum, r) => sum + r.ms, 0));
    }
  });
  await interleave(Math.min(config.runs, 10), 1, tool, cnitool);
  for (const verb of ['ADD', 'DEL']) {
    ctx.addRow(makeRow('pod', `pod ${verb} via cnitool (2 processes)`, cnitool, { ours: `ours ${verb}`, go: `go ${verb}` }));
  }
}

function keep(s: Samples, side: Side, verb: string, t: PodTiming): void {
  if (t.error) {
    s.fail(`${side.name} ${verb}`, t.error);
    return;
  }
  s.add(`${side.name} ${verb}`, t.ms);
  s.add(`${side.name} ${verb} overhead`, t.overhead);
  for (const [plugin] of PARTS) {
    const ms = t.plugins[plugin];
    if (ms !== undefined) s.add(`${side.name} ${verb} ${plugin}`, ms);
  }
}

/** The side's two networks as files, for cnitool. */
function writeConfDir(side: Side, state: string): string {
  const dir = join(state, side.name, 'netconf');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '10-pod.conflist'), side.podnet.bytes);
  writeFileSync(join(dir, '99-lo.conflist'), side.lo.bytes);
  return dir;
}
