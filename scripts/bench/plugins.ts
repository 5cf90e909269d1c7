/**
 * Per plugin: VERSION, ADD, CHECK, DEL, each through our runtime library with the exec timed
 * (as the Go reference's §1: loopback as [loopback] on lo; host-local as [host-local]; bridge
 * as [bridge] (its host-local included); portmap as [bridge, portmap], counting only the
 * portmap exec). The plugins real configs chain after those: ptp as [ptp] (its host-local
 * included, as bridge), static as [static] (as host-local), and tuning, firewall and bandwidth
 * each as [bridge, X], counting only X's exec. Go portmap 1.1.1's CHECK always fails for
 * IPv4-only pods: that shows as failures of the Go side, the bench goes on.
 *
 * Each exec is split into process start and work, per side, from these same execs: start is
 * the median VERSION exec of that executable (everything up to the handler: exec, loading the
 * binary and its runtime, reading the environment, no work), work is the median ADD (DEL)
 * exec minus that start. Go's bridge work includes the host-local process it starts; ours
 * runs host-local inside the bridge process.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkConfigList } from '../../lib/runtime/index.ts';
import type { BenchContext } from './context.ts';
import { type Cell, Samples, cell, differenceCell, interleave, makeRow, rowOf } from './measure.ts';
import { BENCH_BANDWIDTH, type Side } from './side.ts';
import { round3 } from './stats.ts';

interface PluginWorkload {
  readonly label: string;
  /** The executable whose execs are counted. */
  readonly plugin: string;
  readonly list: (side: Side) => NetworkConfigList;
  readonly ifname: string;
  /** The runtime's capability arguments (only plugins that declare a capability get it). */
  readonly capabilityArgs?: (side: Side) => Record<string, unknown>;
  readonly version: boolean;
}

const WORKLOADS: readonly PluginWorkload[] = [
  { label: 'loopback', plugin: 'loopback', list: (s) => s.lists.loopback, ifname: 'lo', version: true },
  { label: 'host-local', plugin: 'host-local', list: (s) => s.lists.hostLocal, ifname: 'eth0', version: true },
  { label: 'bridge + host-local', plugin: 'bridge', list: (s) => s.lists.bridge, ifname: 'eth0', version: true },
  { label: 'portmap, 1 TCP mapping', plugin: 'portmap', list: (s) => s.lists.portmap, ifname: 'eth0', capabilityArgs: (s) => s.portMappings(0), version: true },
  { label: 'host-local, 1000 reserved', plugin: 'host-local', list: (s) => s.lists.hostLocalFull, ifname: 'eth0', version: false },
  { label: 'ptp + host-local, ipMasq', plugin: 'ptp', list: (s) => s.lists.ptp, ifname: 'eth0', version: true },
  { label: 'static, 1 address', plugin: 'static', list: (s) => s.lists.static, ifname: 'eth0', version: true },
  { label: 'tuning, 1 sysctl + mtu', plugin: 'tuning', list: (s) => s.lists.tuning, ifname: 'eth0', version: true },
  { label: 'firewall, iptables', plugin: 'firewall', list: (s) => s.lists.firewall, ifname: 'eth0', version: true },
  { label: 'bandwidth, ingress + egress', plugin: 'bandwidth', list: (s) => s.lists.bandwidth, ifname: 'eth0', capabilityArgs: () => ({ bandwidth: BENCH_BANDWIDTH }), version: true },
];

/** The executables the per-plugin workloads time (what `--only plugins:NAME,...` selects from). */
export const WORKLOAD_PLUGINS: readonly string[] = [...new Set(WORKLOADS.map((w) => w.plugin))];

/** The label of the workload whose rows time `plugin`'s VERSION, ADD, ... ("bridge + host-local"). */
export function workloadOf(plugin: string): string | undefined {
  return WORKLOADS.find((w) => w.plugin === plugin && w.version)?.label;
}

const VERBS = ['ADD', 'CHECK', 'DEL'] as const;
/** The verbs split into start and work. */
const SPLIT_VERBS = ['ADD', 'DEL'] as const;

/** One side's split of one workload's execs (ms, medians), for the JSON. */
export interface ExecSplit {
  /** The median VERSION exec of the executable: process start up to the handler. */
  readonly startMs: number | null;
  readonly addMs: number | null;
  readonly delMs: number | null;
  /** addMs - startMs, delMs - startMs. */
  readonly addWorkMs: number | null;
  readonly delWorkMs: number | null;
  /** startMs / addMs. */
  readonly startShareOfAdd: number | null;
}

const SPLIT_NOTE = 'start = median VERSION exec of that executable (process start up to the handler), work = median exec - start';

export async function perPlugin(ctx: BenchContext): Promise<void> {
  const { config, sides } = ctx;
  ctx.pods.ensure(sides, 1);
  for (const side of sides) reserveThousand(side);
  /** The VERSION cells per executable, per side: each exec's start. */
  const starts = new Map<string, Record<string, Cell>>();
  /** By workload label: the executable, and each side's split. */
  const split: Record<string, { plugin: string } & Record<string, ExecSplit | string>> = {};
  const selected = config.pluginFilter;
  for (const w of WORKLOADS) {
    if (selected !== undefined && !selected.includes(w.plugin)) continue;
    const samples = new Samples();
    const contenders = sides.map((side) => (s: Samples, round: number) => pluginRound(side, w, round, s));
    await interleave(config.runs, config.warmup, contenders, samples);
    const verbs = w.version ? (['VERSION', ...VERBS] as const) : VERBS;
    for (const verb of verbs) {
      const note =
        w.plugin === 'portmap' && verb === 'CHECK' ? 'Go portmap 1.1.1 CHECK fails for IPv4-only pods (fixed upstream in 1.3.0)' : undefined;
      ctx.addRow(makeRow('plugins', `${w.label} ${verb}`, samples, { ours: `ours ${verb}`, go: `go ${verb}` }, note ? { note } : {}));
    }
    if (w.version) starts.set(w.plugin, Object.fromEntries(sides.map((side) => [side.name, cell(samples, `${side.name} VERSION`)])));
    const start = starts.get(w.plugin);
    if (start === undefined) continue;
    for (const verb of SPLIT_VERBS) {
      const cells = Object.fromEntries(
        sides.map((side) => [side.name, differenceCell(cell(samples, `${side.name} ${verb}`), start[side.name] as Cell)]),
      );
      // the note once, under the first of these rows
      const note = Object.keys(split).length === 0 && verb === 'ADD' ? SPLIT_NOTE : undefined;
      ctx.addRow(rowOf('plugins', `  ${w.label} ${verb} work (${verb} - start)`, cells, { minDenominator: 1, ...(note ? { note } : {}) }));
    }
    split[w.label] = { plugin: w.plugin, ...Object.fromEntries(sides.map((side) => [side.name, execSplit(samples, side, start[side.name] as Cell)])) };
  }
  ctx.details.execSplit = { plugins: split, method: SPLIT_NOTE };
}

function execSplit(samples: Samples, side: Side, start: Cell): ExecSplit {
  const add = cell(samples, `${side.name} ADD`);
  const del = cell(samples, `${side.name} DEL`);
  const s = start.median;
  return {
    startMs: s,
    addMs: add.median,
    delMs: del.median,
    addWorkMs: differenceCell(add, start).median,
    delWorkMs: differenceCell(del, start).median,
    startShareOfAdd: s === null || add.median === null || add.median === 0 ? null : round3(s / add.median),
  };
}

/** One round on one side: VERSION (when asked), ADD, CHECK, DEL of one attachment. */
async function pluginRound(side: Side, w: PluginWorkload, round: number, s: Samples): Promise<void> {
  const list = w.list(side);
  if (w.version) {
    try {
      await side.runtime.getVersionInfo(w.plugin);
      record(s, side, w, 'VERSION', '');
    } catch (e) {
      side.log.take('');
      s.fail(`${side.name} VERSION`, (e as Error).message);
    }
  }
  const rt = {
    containerId: side.roundId(list.name, round),
    netns: side.podPath(1),
    ifname: w.ifname,
    capabilityArgs: w.capabilityArgs?.(side),
  };
  const ops = {
    ADD: () => side.runtime.addNetworkList(list, rt),
    CHECK: () => side.runtime.checkNetworkList(list, rt),
    DEL: () => side.runtime.delNetworkList(list, rt),
  };
  for (const verb of VERBS) {
    try {
      await ops[verb]();
      record(s, side, w, verb, rt.containerId);
    } catch (e) {
      side.log.take(rt.containerId);
      s.fail(`${side.name} ${verb}`, (e as Error).message);
    }
  }
}

/** Adds up the execs of the workload's plugin for one verb. */
function record(s: Samples, side: Side, w: PluginWorkload, verb: string, containerId: string): void {
  const execs = side.log.take(containerId).filter((r) => r.plugin === w.plugin && r.command === verb);
  if (execs.length === 0) s.fail(`${side.name} ${verb}`, `no ${w.plugin} ${verb} exec seen`);
  else s.add(`${side.name} ${verb}`, execs.reduce((sum, r) => sum + r.ms, 0));
}

/** 1,000 addresses already taken in the "1000 reserved" list's /16, in host-local's file format. */
function reserveThousand(side: Side): void {
  const dir = join(side.dirs.ipam, side.lists.hostLocalFull.name);
  mkdirSync(dir, { recursive: true });
  for (let k = 0; k < 1000; k++) {
    writeFileSync(join(dir, `10.${side.fullOctet}.${100 + (k >> 8)}.${k & 255}`), `filler${k}\r\neth0`, { mode: 0o600 });
  }
}
