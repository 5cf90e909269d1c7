/**
 * The driver of `npm run bench -- --storm` and `npm run bench -- --soak` (scripts/bench.mjs
 * prepares dist/bin, bundles this file into .bench/storm.cjs and runs it under Node). It runs
 * the storm on each firewall backend (and, with `--plugins DIR`, the same storm through those
 * plugins on iptables, the only backend Go's 1.1.1 plugins have), or the soak, prints each
 * report and writes the JSON next to the bench's. Exit 3 when any run has a problem.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { FirewallBackend } from './storm-node.ts';
import { type SoakReport, type StormReport, formatSoak, formatStorm, problemsOf, runSoak, runStorm } from './storm.ts';

/** Handed over by bench.mjs as JSON (CNI_TS_BENCH_CONFIG). */
export interface StormConfig {
  readonly mode: 'storm' | 'soak';
  /** The run's id: every namespace name ends with it. */
  readonly id: string;
  readonly ours: string;
  /** Another plugin directory to compare with (storm only), e.g. /usr/lib/cni. */
  readonly other: string | undefined;
  readonly backends: readonly FirewallBackend[];
  readonly pods: number;
  readonly workers: number;
  readonly cycles: number;
  readonly out: string;
  /** bench.mjs's state directory, which it removes also after a Ctrl-C. */
  readonly state: string;
}

async function main(): Promise<number> {
  const config = JSON.parse(process.env.CNI_TS_BENCH_CONFIG ?? '{}') as StormConfig;
  const progress = (line: string) => console.log(`  · ${line}`);
  const reports: (StormReport | SoakReport)[] = [];
  const loadBefore = loadavg();
  // A long soak stopped by Ctrl-C (or bench.mjs's SIGTERM) still reports: the lanes finish their
  // cycles, the node is compared, then the namespaces go. A storm just ends; bench.mjs sweeps.
  let stopRequested = false;
  if (config.mode === 'soak') {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.on(sig, () => {
        if (!stopRequested) progress(`${sig}: finishing the cycles in flight, then comparing the node`);
        stopRequested = true;
      });
    }
  }
  for (const backend of config.backends) {
    if (stopRequested) break;
    const base = { backend, workers: config.workers, nameSuffix: config.id, stateParent: config.state, progress };
    if (config.mode === 'soak') {
      const r = await runSoak({ ...base, pluginDir: config.ours, namePrefix: 'cnits-bench-ours', cycles: config.cycles, stop: () => stopRequested });
      console.log(formatSoak(r));
      reports.push(r);
      continue;
    }
    const sides = [{ dir: config.ours, prefix: 'cnits-bench-ours' }];
    // Go's 1.1.1 plugins ignore ipMasqBackend and backend: they only ever use iptables.
    if (config.other !== undefined && backend === 'iptables') sides.push({ dir: config.other, prefix: 'cnits-bench-other' });
    for (const side of sides) {
      const r = await runStorm({ ...base, pluginDir: side.dir, namePrefix: side.prefix, pods: config.pods });
      console.log(formatStorm(r));
      reports.push(r);
    }
  }
  const storms = reports.filter((r): r is StormReport => 'pods' in r);
  if (storms.length > 1) console.log(`\n${sideBySide(storms)}`);
  // Problems of our plugins fail the run; another directory's are only shown.
  const problems = reports.flatMap((r) => problemsOf(r).map((p) => (r.pluginDir === config.ours ? p : `(${r.pluginDir}) ${p}`)));
  for (const p of problems) console.log(`  ! ${p}`);
  const ours = problems.filter((p) => !p.startsWith('('));
  console.log(`\n${config.mode}: ${ours.length === 0 ? 'PASS (0 failures, 0 duplicates, 0 leftovers, 0 drift)' : `FAIL (${ours.length} problems)`}`);
  console.log(`load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadavg().map((x) => x.toFixed(2)).join(' ')} after`);
  mkdirSync(dirname(config.out), { recursive: true });
  const slim = reports.map((r) => ('start' in r ? { ...r, start: undefined, end: undefined, sectionSizes: Object.fromEntries(Object.entries(r.start).map(([k, v]) => [k, v.length])) } : r));
  writeFileSync(config.out, `${JSON.stringify({ date: new Date().toISOString(), config, loadBefore, loadAfter: loadavg(), reports: slim, problems }, null, 1)}\n`);
  console.log(`written to ${config.out}`);
  return ours.length > 0 ? 3 : 0;
}

/** ms/pod of each storm, one line per plugin directory and backend. */
function sideBySide(storms: readonly StormReport[]): string {
  const rows = storms.map(
    (r) =>
      `| ${r.pluginDir} | ${r.backend} | ${r.add.msPerPod.toFixed(1)} / ${r.del.msPerPod.toFixed(1)} | ${r.add.medianMs.toFixed(0)} / ${r.del.medianMs.toFixed(0)} | ${r.add.failures + r.del.failures} | ${r.duplicates} | ${r.leftoverCount} |`,
  );
  return ['| plugins | backend | ADD / DEL ms/pod (wall/pods) | ADD / DEL p50 ms per call | failures | duplicates | leftovers |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
