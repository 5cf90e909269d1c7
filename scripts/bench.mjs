#!/usr/bin/env node
// `npm run bench`: our dist/bin next to Debian's Go plugins (/usr/lib/cni), measured in one run,
// interleaved (ours, theirs, ours, theirs), inside a throwaway "node" namespace. Prints medians
// and ratios and writes them to .bench/results.json. Absolute times on a shared machine are
// noisy; the ratios of one interleaved run are what to read.
//   --runs N   measured rounds per workload (default 25; 3 warm-up rounds come first)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ensureNpmDeps, ensureSystemPackages, isRoot, root, say } from './setup.mjs';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 25;
const OURS = join(root, 'dist', 'bin');
const GO = '/usr/lib/cni';

if (!process.env.CNI_TS_BENCH_INNER) {
  if (!isRoot()) {
    console.error('npm run bench needs root (it works inside throwaway network namespaces)');
    process.exit(1);
  }
  ensureNpmDeps();
  ensureSystemPackages();
  await ensureBuilt();
  const id = randomBytes(3).toString('hex');
  const node = `cnits-bench-node-${id}`;
  const pods = Array.from({ length: 2 }, (_, i) => `cnits-bench-pod${i}-${id}`);
  const state = mkdtempSync(join(tmpdir(), 'cni-ts-bench-'));
  let code = 1;
  try {
    for (const ns of [node, ...pods]) spawnSync('ip', ['netns', 'add', ns], { stdio: 'inherit' });
    spawnSync('ip', ['-n', node, 'link', 'set', 'lo', 'up']);
    say(`benchmarking inside ${node} (${RUNS} measured rounds per workload, interleaved)`);
    const r = spawnSync('ip', ['netns', 'exec', node, process.execPath, new URL(import.meta.url).pathname, ...args], {
      stdio: 'inherit',
      env: { ...process.env, CNI_TS_BENCH_INNER: '1', BENCH_STATE: state, BENCH_PODS: pods.join(',') },
    });
    code = r.status ?? 1;
  } finally {
    for (const ns of [node, ...spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n?.includes(id))]) {
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    }
    rmSync(state, { recursive: true, force: true });
  }
  process.exit(code);
}

// ---- inside the node namespace ----
const state = process.env.BENCH_STATE;
const [pod] = (process.env.BENCH_PODS ?? '').split(',');
const podPath = `/run/netns/${pod}`;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function exec(argv, { env = {}, input = '' } = {}) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { input, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} ${env.CNI_COMMAND ?? ''} failed (${r.status}): ${(r.stdout || r.stderr).slice(0, 400)}`);
  return { ms, stdout: r.stdout };
}

function cni(dir, plugin, command, conf, extra = {}) {
  return exec([join(dir, plugin)], {
    input: JSON.stringify(conf),
    env: { CNI_COMMAND: command, CNI_CONTAINERID: extra.id ?? 'bench', CNI_NETNS: extra.netns ?? podPath, CNI_IFNAME: extra.ifname ?? 'eth0', CNI_PATH: dir },
  });
}

const rows = [];
/** Runs `fn(side)` for both sides, interleaved; fn returns the ms of the measured step. */
function compare(name, fn, { runs = RUNS, sides = ['ours', 'go'], unit = 'ms' } = {}) {
  const times = Object.fromEntries(sides.map((s) => [s, []]));
  for (let i = 0; i < runs + 3; i++) {
    for (const side of sides) {
      const ms = fn(side, i);
      if (i >= 3) times[side].push(ms);
    }
  }
  const row = { workload: name, ...Object.fromEntries(sides.map((s) => [s, median(times[s])])) };
  if (row.ours !== undefined && row.go !== undefined) row.ratio = row.ours / row.go;
  rows.push(row);
  const cells = sides.map((s) => `${s} ${row[s].toFixed(1)} ${unit}`).join('   ');
  console.log(`  ${name.padEnd(44)} ${cells}${row.ratio ? `   ratio ${row.ratio.toFixed(2)}` : ''}`);
  return row;
}

const dir = (side) => (side === 'ours' ? OURS : GO);
const version = (side) => (side === 'go' ? '1.0.0' : '1.1.0');

console.log('\nCold start (each executable run once per round)');
compare('node -e 0 vs /bin/true', (side) => exec(side === 'ours' ? [process.execPath, '-e', '0'] : ['/bin/true']).ms);
compare('loopback VERSION', (side) => cni(dir(side), 'loopback', 'VERSION', { cniVersion: '1.0.0' }).ms);
compare('loopback VERSION, Node started (no sh fast path)', (side) =>
  side === 'ours'
    ? exec([process.execPath, join(OURS, 'loopback')], { env: { CNI_COMMAND: 'VERSION' } }).ms
    : cni(GO, 'loopback', 'VERSION', {}).ms,
);
compare('loopback ADD', (side) => {
  const r = cni(dir(side), 'loopback', 'ADD', { cniVersion: version(side), name: 'lo', type: 'loopback' }).ms;
  cni(dir(side), 'loopback', 'DEL', { cniVersion: version(side), name: 'lo', type: 'loopback' });
  return r;
});
compare('loopback DEL', (side) => {
  cni(dir(side), 'loopback', 'ADD', { cniVersion: version(side), name: 'lo', type: 'loopback' });
  return cni(dir(side), 'loopback', 'DEL', { cniVersion: version(side), name: 'lo', type: 'loopback' }).ms;
});

console.log('\nhost-local (own dataDir per side)');
const hl = (side, extra = {}) => ({
  cniVersion: version(side),
  name: 'benchnet',
  type: 'host-local',
  ipam: { type: 'host-local', subnet: '10.210.0.0/16', dataDir: join(state, `ipam-${side}`), ...extra },
});
compare('host-local ADD', (side, i) => {
  const r = cni(dir(side), 'host-local', 'ADD', hl(side), { id: `c${i}` }).ms;
  cni(dir(side), 'host-local', 'DEL', hl(side), { id: `c${i}` });
  return r;
});
compare('host-local DEL', (side, i) => {
  cni(dir(side), 'host-local', 'ADD', hl(side), { id: `c${i}` });
  return cni(dir(side), 'host-local', 'DEL', hl(side), { id: `c${i}` }).ms;
});
// 1,000 addresses already reserved in the /16
for (const side of ['ours', 'go']) {
  const d = join(state, `ipam-${side}`, 'benchnet');
  mkdirSync(d, { recursive: true });
  for (let k = 0; k < 1000; k++) writeFileSync(join(d, `10.210.${100 + (k >> 8)}.${k & 255}`), `filler${k}\r\neth0`, { mode: 0o600 });
}
compare('host-local ADD, 1000 reserved', (side, i) => {
  const r = cni(dir(side), 'host-local', 'ADD', hl(side), { id: `d${i}` }).ms;
  cni(dir(side), 'host-local', 'DEL', hl(side), { id: `d${i}` });
  return r;
});
compare('host-local DEL, 1000 reserved', (side, i) => {
  cni(dir(side), 'host-local', 'ADD', hl(side), { id: `d${i}` });
  return cni(dir(side), 'host-local', 'DEL', hl(side), { id: `d${i}` }).ms;
});

console.log('\nbridge + host-local, and portmap chained (one bridge per side)');
const br = (side) => ({
  cniVersion: version(side),
  name: `benchbr-${side}`,
  type: 'bridge',
  bridge: `cnitsb-${side}`,
  isGateway: true,
  ipMasq: true,
  ipam: { type: 'host-local', subnet: side === 'ours' ? '10.211.0.0/16' : '10.212.0.0/16', routes: [{ dst: '0.0.0.0/0' }], dataDir: join(state, `bripam-${side}`) },
});
compare('bridge ADD', (side, i) => {
  const r = cni(dir(side), 'bridge', 'ADD', br(side), { id: `b${i}` }).ms;
  cni(dir(side), 'bridge', 'DEL', br(side), { id: `b${i}` });
  return r;
});
compare('bridge DEL', (side, i) => {
  cni(dir(side), 'bridge', 'ADD', br(side), { id: `b${i}` });
  return cni(dir(side), 'bridge', 'DEL', br(side), { id: `b${i}` }).ms;
});
const pm = (side, prevResult) => ({
  cniVersion: version(side),
  name: `benchbr-${side}`,
  type: 'portmap',
  capabilities: { portMappings: true },
  runtimeConfig: { portMappings: [{ hostPort: side === 'ours' ? 18080 : 18081, containerPort: 80, protocol: 'tcp' }] },
  stateDir: join(state, 'portmap'),
  prevResult,
});
for (const verb of ['ADD', 'DEL']) {
  compare(`portmap ${verb} (1 mapping)`, (side, i) => {
    const prev = JSON.parse(cni(dir(side), 'bridge', 'ADD', br(side), { id: `p${i}` }).stdout);
    const add = cni(dir(side), 'portmap', 'ADD', pm(side, prev), { id: `p${i}` }).ms;
    const del = cni(dir(side), 'portmap', 'DEL', pm(side, prev), { id: `p${i}` }).ms;
    cni(dir(side), 'bridge', 'DEL', br(side), { id: `p${i}` });
    return verb === 'ADD' ? add : del;
  });
}

console.log('\nA pod as a CRI runtime sets it up (cnitool, our runtime library: loopback network, then [bridge, portmap])');
const confDirs = {};
for (const side of ['ours', 'go']) {
  const d = join(state, `netconf-${side}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, '10-pod.conflist'), JSON.stringify({
    cniVersion: version(side),
    name: `benchpod-${side}`,
    plugins: [
      { ...br(side), name: undefined, cniVersion: undefined, bridge: `cnitsp-${side}`, ipam: { ...br(side).ipam, subnet: side === 'ours' ? '10.213.0.0/16' : '10.214.0.0/16' } },
      { type: 'portmap', capabilities: { portMappings: true }, stateDir: join(state, 'portmap') },
    ],
  }));
  writeFileSync(join(d, '99-lo.conflist'), JSON.stringify({ cniVersion: version(side), name: `benchlo-${side}`, plugins: [{ type: 'loopback' }] }));
  confDirs[side] = d;
}
const cnitool = (side, verb, net, ifname, caps = '{}') =>
  exec([join(OURS, 'cnitool'), verb, net, podPath], {
    env: { NETCONFPATH: confDirs[side], CNI_PATH: dir(side), CNI_CACHE_DIR: join(state, `cache-${side}`), CNI_IFNAME: ifname, CAP_ARGS: caps },
  }).ms;
const podCaps = (side) => JSON.stringify({ portMappings: [{ hostPort: side === 'ours' ? 18090 : 18091, containerPort: 80, protocol: 'tcp' }] });
const podAdd = (side) => cnitool(side, 'add', `benchlo-${side}`, 'lo') + cnitool(side, 'add', `benchpod-${side}`, 'eth0', podCaps(side));
const podDel = (side) => cnitool(side, 'del', `benchpod-${side}`, 'eth0', podCaps(side)) + cnitool(side, 'del', `benchlo-${side}`, 'lo');
compare('pod ADD (2 cnitool runs: lo, bridge+portmap)', (side) => {
  const ms = podAdd(side);
  podDel(side);
  return ms;
});
compare('pod DEL (2 cnitool runs)', (side) => {
  podAdd(side);
  return podDel(side);
});

if (existsSync('/usr/bin/time')) {
  console.log('\nPeak RSS of one plugin process (MB, /usr/bin/time)');
  const rss = (side, plugin, command, conf, extra) => {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', join(dir(side), plugin)], {
      input: JSON.stringify(conf),
      encoding: 'utf8',
      env: { PATH: process.env.PATH, CNI_COMMAND: command, CNI_CONTAINERID: extra.id, CNI_NETNS: podPath, CNI_IFNAME: 'eth0', CNI_PATH: dir(side) },
    });
    return Number(r.stderr.trim().split('\n').pop()) / 1024;
  };
  compare('bridge ADD peak RSS', (side, i) => {
    const mb = rss(side, 'bridge', 'ADD', br(side), { id: `r${i}` });
    cni(dir(side), 'bridge', 'DEL', br(side), { id: `r${i}` });
    return mb;
  }, { runs: 5, unit: 'MB' });
}

mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench', 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, node: process.version, rows }, null, 2)}\n`);
console.log(`\nmedians of ${RUNS} interleaved rounds; written to .bench/results.json`);
