#!/usr/bin/env node
// `npm run bench`: our dist/bin (one Bun-compiled executable, cni-ts, and a link per program)
// next to Debian's Go plugins (/usr/lib/cni), driven the way a CRI runtime drives them. This
// script prepares (npm and Debian packages, dist/bin), takes a snapshot of dist/bin (links kept
// as links: the executable runs the program named by its argv0's basename), makes one throwaway
// node namespace per side, bundles the TypeScript driver scripts/bench/driver.ts with esbuild
// into .bench/driver.cjs and runs it under Node: ONE long-lived process that uses our runtime
// library (lib/runtime) in process for both sides, interleaved, with only CNI_PATH differing.
// Every namespace it made is deleted at the end, also on failure or Ctrl-C. Results: a table of
// medians and ratios, the issue's targets with PASS/FAIL, and .bench/results.json.
//
//   --runs N        rounds per single-plugin, VERSION and one-pod workload (default 25)
//   --pods N        pods per run of the workers workload (default 100)
//   --reps N        repetitions of each workers run per side (default 3)
//   --growth N      pods of the growth workload (default 500; 0 skips it)
//   --only GROUP    one group: size, cold, plugins, pod, rss, workers, growth
//   --only plugins:NAME[,NAME...]   the plugins group, only the workloads timing these
//                   executables (e.g. plugins:bridge,ptp,tuning)
//   --quick         a smoke run: runs 5, pods 10, reps 1, growth 50
//
// Two test modes instead of the comparison (scripts/bench/storm/, bundled to .bench/storm.cjs):
//   --storm         N pods on W workers, ADD all then DEL all, on each firewall backend:
//                   failures, duplicate addresses, leftovers, ms per pod (.bench/storm.json)
//   --soak          ADD/DEL cycles on one network; the node's state at the end must equal
//                   its state at the start (.bench/soak.json)
//   --pods N        storm: pods (default 1000)      --workers W   (storm 8, soak 1)
//   --cycles N      soak: cycles (default 10000)    --backend iptables|nftables (default both)
//   --plugins DIR   storm: also run DIR's plugins on iptables, side by side (e.g. /usr/lib/cni)
//
// Charts (scripts/bench/charts/, bundled to .bench/charts.mjs): after a comparison run, SVGs of
// pod ADD latency against the pods on the node (growth), per-plugin ADD/DEL and throughput by
// workers, rendered from .bench/results.json into .bench/charts/. Without running anything:
//   --charts        re-render from an existing results file (no root needed)
//   --results FILE  the results file (default .bench/results.json)
//   --out DIR       where the SVGs go (default .bench/charts); the results file is copied there
//                   as results.json, so the charts sit next to the figures they show
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, ensureNpmDeps, ensureSystemPackages, isRoot, root, say } from './setup.mjs';

const GROUPS = ['size', 'cold', 'plugins', 'pod', 'rss', 'workers', 'growth'];
/** The plugins both sides have (the per-plugin workloads' executables); each must answer VERSION from the snapshot. */
const PLUGINS = ['loopback', 'host-local', 'bridge', 'portmap', 'ptp', 'static', 'tuning', 'firewall', 'bandwidth'];
const args = process.argv.slice(2);
const has = (flag) => args.includes(flag);
function num(flag, dflt) {
  if (!has(flag)) return dflt;
  const v = Number(args[args.indexOf(flag) + 1]);
  if (!Number.isInteger(v) || v < 0) usage(`${flag} needs a whole number`);
  return v;
}
function usage(msg) {
  console.error(
    `npm run bench: ${msg}\nflags: --runs N --pods N --reps N --growth N --only ${GROUPS.join('|')}|plugins:NAME,... --quick\n` +
      '   or: --storm [--pods N --workers W --backend B --plugins DIR]   --soak [--cycles N --workers W --backend B]\n' +
      '   or: --charts [--results FILE --out DIR]',
  );
  process.exit(2);
}
const MODES = ['--storm', '--soak', '--charts'];
const mode = MODES.find(has)?.slice(2);
const SWITCHES = new Set(['--quick', ...MODES]);
const KNOWN = {
  comparison: ['--runs', '--pods', '--reps', '--growth', '--only', '--quick'],
  storm: ['--pods', '--workers', '--cycles', '--backend', '--plugins', '--storm', '--soak'],
  charts: ['--charts', '--results', '--out'],
};
const known = new Set(mode === 'charts' ? KNOWN.charts : mode ? KNOWN.storm : KNOWN.comparison);
for (let i = 0; i < args.length; i++) {
  if (!known.has(args[i])) usage(`unknown argument ${args[i]}${mode ? ` with --${mode}` : ''}`);
  if (!SWITCHES.has(args[i])) i++;
}
if (MODES.filter(has).length > 1) usage('one of --storm, --soak, --charts');
function path(flag, dflt) {
  if (!has(flag)) return dflt;
  const v = args[args.indexOf(flag) + 1];
  if (!v || v.startsWith('--')) usage(`${flag} needs a path`);
  return resolve(v);
}
const resultsFile = path('--results', join(root, '.bench', 'results.json'));
const chartsDir = path('--out', join(root, '.bench', 'charts'));

/**
 * Bundles the chart modules (TypeScript) to .bench/charts.mjs, vega and vega-lite left as
 * imports of node_modules, and renders `results` into `outDir`; copies the results file there
 * (as results.json) unless it already is that file.
 */
async function renderCharts(results, outDir) {
  if (!existsSync(results)) throw new Error(`no results file ${results}: run npm run bench first, or give --results FILE`);
  const { build } = await import('esbuild');
  const out = join(root, '.bench', 'charts.mjs');
  await build({ entryPoints: [join(root, 'scripts', 'bench', 'charts', 'render.ts')], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning' });
  const { renderCharts: render } = await import(pathToFileURL(out).href);
  const written = await render(results, outDir);
  const copy = join(outDir, 'results.json');
  if (written.length && (!existsSync(copy) || realpathSync(copy) !== realpathSync(results))) copyFileSync(results, copy);
  const rel = (f) => relative(process.cwd(), f) || '.';
  say(`charts from ${rel(results)}: ${written.map(rel).join(', ') || 'none (no group with chart data in it)'}${written.length ? `; the results next to them as ${rel(copy)}` : ''}`);
}

if (mode === 'charts') {
  ensureNpmDeps();
  try {
    await renderCharts(resultsFile, chartsDir);
  } catch (e) {
    console.error(`npm run bench --charts: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
  process.exit(0);
}
let stormOptions;
if (mode === 'storm' || mode === 'soak') {
  const backends = has('--backend') ? [args[args.indexOf('--backend') + 1]] : ['iptables', 'nftables'];
  if (!backends.every((b) => b === 'iptables' || b === 'nftables')) usage('--backend takes iptables or nftables');
  const storm = {
    mode,
    pods: num('--pods', 1000),
    workers: num('--workers', mode === 'storm' ? 8 : 1),
    cycles: num('--cycles', 10000),
    backends,
    other: has('--plugins') ? args[args.indexOf('--plugins') + 1] : undefined,
  };
  if (storm.pods < 1 || storm.workers < 1 || storm.cycles < 1) usage('--pods, --workers and --cycles must be at least 1');
  // Host ports 20001.. and the bridge's port limit (1024) bound a storm.
  if (mode === 'storm' && storm.pods > 1000) usage('a storm takes at most 1000 pods (a Linux bridge has at most 1024 ports)');
  if (storm.other !== undefined && mode !== 'storm') usage('--plugins goes with --storm');
  stormOptions = storm;
}
const quick = has('--quick');
const [only, pluginList] = has('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(/:(.*)/s) : [undefined, undefined];
if (only !== undefined && !GROUPS.includes(only)) usage(`--only takes one of ${GROUPS.join(', ')}`);
if (pluginList !== undefined && only !== 'plugins') usage('--only GROUP:NAMES is for the plugins group only (plugins:bridge,ptp)');
const pluginFilter = pluginList?.split(',');
const unknownPlugin = pluginFilter?.find((p) => !PLUGINS.includes(p));
if (unknownPlugin !== undefined) usage(`--only plugins: ${JSON.stringify(unknownPlugin)} is none of ${PLUGINS.join(', ')}`);
const runs = num('--runs', quick ? 5 : 25);
const pods = num('--pods', quick ? 10 : 100);
const reps = num('--reps', quick ? 1 : 3);
const growth = num('--growth', quick ? 50 : 500);
if (runs < 1 || pods < 1 || reps < 1) usage('--runs, --pods and --reps must be at least 1');
if (growth > 0 && growth < 10) usage('--growth needs at least 10 pods (or 0 to skip)');
if (pods > 5000 || growth > 5000) usage('at most 5000 pods (ports and /16 subnets)');

if (!isRoot()) {
  console.error('npm run bench needs root (it works inside throwaway network namespaces)');
  process.exit(1);
}
ensureNpmDeps();
ensureSystemPackages();
await ensureBuilt();

const { build } = await import('esbuild');
if (!stormOptions) say('bundling the driver (scripts/bench/driver.ts -> .bench/driver.cjs)');
const driver = join(root, '.bench', 'driver.cjs');
if (!stormOptions) await build({
  entryPoints: [join(root, 'scripts', 'bench', 'driver.ts')],
  outfile: driver,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['koffi'],
  logLevel: 'warning',
});

const id = randomBytes(3).toString('hex');
const nodes = { ours: `cnits-bench-ours-${id}`, go: `cnits-bench-go-${id}` };
const state = mkdtempSync(join(tmpdir(), 'cni-ts-bench-'));
let child;
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    interrupted = true;
    say(`${sig}: stopping the driver, then cleaning up`);
    if (child?.pid && child.exitCode === null) child.kill('SIGTERM');
  });
}

function ip(argv) {
  const r = spawnSync('ip', argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${argv.join(' ')}: ${r.stderr.trim()}`);
}

function ourNamespaces() {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n && n.startsWith('cnits-bench-') && n.endsWith(`-${id}`));
}

/**
 * Copies dist/bin to `to` with its links as links (verbatimSymlinks: cpSync would otherwise
 * rewrite `bridge -> cni-ts` into an absolute link back into dist/bin, and a rebuild would then
 * change the snapshot), checks every entry kept its type and link target, and that each plugin
 * started from the copy (through its link, so under its own name) answers VERSION.
 */
function snapshot(from, to) {
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  for (const name of readdirSync(from)) {
    const a = lstatSync(join(from, name));
    const b = lstatSync(join(to, name), { throwIfNoEntry: false });
    const same =
      b !== undefined &&
      a.isSymbolicLink() === b.isSymbolicLink() &&
      a.isFile() === b.isFile() &&
      (!a.isSymbolicLink() || readlinkSync(join(from, name)) === readlinkSync(join(to, name)));
    if (!same) throw new Error(`snapshot of dist/bin: ${name} was not copied as it is (${to})`);
  }
  for (const p of PLUGINS) {
    const r = spawnSync(join(to, p), [], { input: '{"cniVersion":"1.0.0"}', encoding: 'utf8', env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION' } });
    let versions;
    try {
      versions = JSON.parse(r.stdout).supportedVersions;
    } catch {
      versions = undefined;
    }
    if (r.status !== 0 || !Array.isArray(versions)) {
      throw new Error(`snapshot of dist/bin: ${p} VERSION from the copy failed (exit ${r.status ?? r.error}): ${(r.stdout || r.stderr || '').slice(0, 300)}`);
    }
  }
}

/** Runs the storm or soak driver (it makes and deletes its own namespaces; swept here too). */
async function stormMode(storm) {
  const out = join(root, '.bench', 'storm.cjs');
  await build({ entryPoints: [join(root, 'scripts', 'bench', 'storm', 'main.ts')], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['koffi'], logLevel: 'warning' });
  // A snapshot of dist/bin, as for the comparison: a rebuild during the run cannot change it.
  const ours = join(state, 'dist-bin');
  snapshot(join(root, 'dist', 'bin'), ours);
  const config = { ...storm, id, ours, state, out: join(root, '.bench', `${storm.mode}.json`) };
  const what = storm.mode === 'storm' ? `${storm.pods} pods, ${storm.workers} workers` : `${storm.cycles} cycles, ${storm.workers} worker(s)`;
  say(`${storm.mode}: ${what}, ${storm.backends.join(' and ')}${storm.other ? `; also ${storm.other} on iptables` : ''}`);
  let code = 1;
  try {
    child = spawn(process.execPath, [out], { stdio: 'inherit', cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', CNI_TS_BENCH_CONFIG: JSON.stringify(config) } });
    code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 130 : 1))));
  } finally {
    code = sweep(code);
  }
  return interrupted ? 130 : code;
}

/** Deletes the namespaces with this run's id that are still there, and the state directory. */
function sweep(code) {
  const made = ourNamespaces();
  if (made.length) {
    spawnSync('ip', ['-force', '-batch', '-'], { input: made.map((n) => `netns del ${n}\n`).join(''), stdio: ['pipe', 'ignore', 'inherit'] });
  }
  rmSync(state, { recursive: true, force: true });
  const left = ourNamespaces();
  if (left.length) {
    console.error(`cleanup: ${left.length} namespaces with id ${id} are still there: ${left.slice(0, 5).join(' ')}`);
    return code || 1;
  }
  say(`cleanup: deleted the namespaces still there (${made.length}), none with id ${id} left; ${state} removed`);
  return code;
}

if (stormOptions) process.exit(await stormMode(stormOptions));

let code = 1;
try {
  // A snapshot of dist/bin, so a rebuild while the bench runs cannot change or break one side.
  const oursDir = join(state, 'dist-bin');
  snapshot(join(root, 'dist', 'bin'), oursDir);
  for (const ns of Object.values(nodes)) {
    ip(['netns', 'add', ns]);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  const config = {
    id,
    root,
    state,
    nodes,
    pluginDirs: { ours: oursDir, go: '/usr/lib/cni' },
    runs,
    warmup: quick ? 1 : 3,
    pods,
    reps,
    workers: [1, 2, 8],
    growth,
    rssRuns: quick ? 2 : 5,
    only,
    pluginFilter,
    quick,
    out: join(root, '.bench', 'results.json'),
  };
  const what = only ? `only ${only}${pluginFilter ? ` (${pluginFilter.join(', ')})` : ''}` : `runs ${runs}, ${pods} pods x ${reps} reps, growth ${growth}`;
  say(`node namespaces ${nodes.ours} and ${nodes.go}; ${what}`);
  child = spawn(process.execPath, [driver], {
    stdio: 'inherit',
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', CNI_TS_BENCH_CONFIG: JSON.stringify(config) },
  });
  code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 130 : 1))));
} finally {
  code = sweep(code);
}
// The driver writes the results file also when it found problems (exit 3): draw those too.
if (!interrupted && (code === 0 || code === 3) && existsSync(resultsFile)) {
  try {
    await renderCharts(resultsFile, chartsDir);
  } catch (e) {
    console.error(`charts: ${e instanceof Error ? e.message : e}`);
    code = code || 1;
  }
}
process.exit(interrupted ? 130 : code);
