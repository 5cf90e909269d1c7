#!/usr/bin/env node
// Benchmark (not a test): our bridge next to Debian's Go bridge, both with Go's host-local,
// interleaved in one run inside a throwaway node namespace, plus `node -e 0` as the floor.
//   node scripts/bench/bridge-alone.mjs [--runs 15] [--pods 500] [--masq iptables|nftables|none] [--other PATH]
// With --pods N it then fills a second node with N pods (ours) and compares ADD and DEL
// there with the first node, to show that they do not grow with the number of pods.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const RUNS = Number(opt('runs', 15));
const PODS = Number(opt('pods', 0));
const MASQ = opt('masq', 'iptables');
const OURS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'bin', 'bridge');
// --other PATH compares against another build of ours instead of Go's (e.g. before a change)
const GO = opt('other', '/usr/lib/cni/bridge');

const id = randomBytes(3).toString('hex');
const node = `cnits-brbench-${id}`;
const made = [];
const dir = mkdtempSync(join(tmpdir(), 'cnits-brbench-'));
symlinkSync('/usr/lib/cni/host-local', join(dir, 'host-local'));

function sh(args) {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
function netns(name) {
  sh(['ip', 'netns', 'add', name]);
  made.push(name);
  return `/run/netns/${name}`;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
// one dataDir per node namespace: each node has its own host-local state, as real nodes do
const conf = (inNode) => ({
  cniVersion: '1.0.0', name: 'bench', type: 'bridge', bridge: 'brbench0', isGateway: true,
  ...(MASQ === 'none' ? {} : { ipMasq: true, ipMasqBackend: MASQ }),
  ipam: { type: 'host-local', ranges: [[{ subnet: '10.210.0.0/16' }]], dataDir: join(dir, `ipam-${inNode}`) },
});
const cpuFile = join(dir, 'cpu');
/** CPU ms (user + sys) of the last run, the plugin and every child it waited for. */
let lastCpu = 0;
/**
 * One plugin exec in the node namespace (nsenter is cheaper than `ip netns exec`); returns wall
 * ms. GNU time records CPU time as well, which a loaded machine distorts much less than wall time.
 */
function run(bin, command, cid, nsPath, inNode = node) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, 'nsenter', `--net=/run/netns/${inNode}`, bin], {
    input: JSON.stringify(conf(inNode)), encoding: 'utf8',
    env: { PATH: process.env.PATH, CNI_COMMAND: command, CNI_CONTAINERID: cid, CNI_NETNS: nsPath, CNI_IFNAME: 'eth0', CNI_PATH: dir },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${bin} ${command} ${cid}: ${r.stdout}${r.stderr}`);
  const [u, s] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  lastCpu = ((u ?? 0) + (s ?? 0)) * 1000;
  return ms;
}
function floor() {
  const t0 = performance.now();
  spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, 'nsenter', `--net=/run/netns/${node}`, process.execPath, '-e', '0'], { env: { PATH: process.env.PATH } });
  const ms = performance.now() - t0;
  const [u, s] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  lastCpu = ((u ?? 0) + (s ?? 0)) * 1000;
  return ms;
}

try {
  netns(node);
  const pod = netns(`${node}-p`);
  const series = () => ({ wall: [], cpu: [] });
  const t = { ours: { add: series(), del: series() }, go: { add: series(), del: series() }, node: series() };
  const keep = (s, ms) => (s.wall.push(ms), s.cpu.push(lastCpu));
  for (let i = 0; i < RUNS + 2; i++) {
    for (const [side, bin] of [['ours', OURS], ['go', GO]]) {
      const a = run(bin, 'ADD', `c-${side}-${i}`, pod);
      if (i >= 2) keep(t[side].add, a);
      const d = run(bin, 'DEL', `c-${side}-${i}`, pod);
      if (i >= 2) keep(t[side].del, d);
    }
    const n = floor();
    if (i >= 2) keep(t.node, n);
  }
  const f = (x) => x.toFixed(1).padStart(6);
  const both = (s) => `${f(median(s.wall))} wall ${f(median(s.cpu))} cpu`;
  console.log(`masq=${MASQ} runs=${RUNS} load=${sh(['cat', '/proc/loadavg']).split(' ')[0]} (medians, ms)`);
  console.log(`node -e 0  ${both(t.node)}`);
  console.log(`ours  ADD  ${both(t.ours.add)}   DEL ${both(t.ours.del)}`);
  console.log(`${GO === '/usr/lib/cni/bridge' ? 'go   ' : 'other'} ADD  ${both(t.go.add)}   DEL ${both(t.go.del)}`);
  if (PODS > 0) {
    // A second node filled with PODS pods; probes alternate between the two nodes, so load
    // from other work on the machine hits both sides alike (sequential phases drift with it).
    const big = `${node}-big`;
    netns(big);
    const inBig = (cmd, cid, p) => run(OURS, cmd, cid, p, big);
    for (let i = 0; i < PODS; i++) inBig('ADD', `fill-${i}`, netns(`${node}-f${i}`));
    const small = { add: [], del: [] };
    const many = { add: [], del: [] };
    for (let i = 0; i < RUNS; i++) {
      const p1 = netns(`${node}-s${i}`);
      const p2 = netns(`${node}-m${i}`);
      small.add.push(run(OURS, 'ADD', `s-${i}`, p1));
      many.add.push(inBig('ADD', `m-${i}`, p2));
      small.del.push(run(OURS, 'DEL', `s-${i}`, p1));
      many.del.push(inBig('DEL', `m-${i}`, p2));
    }
    const ratio = (a, b) => (median(b) / median(a)).toFixed(2);
    console.log(`ours  ADD  1 pod ${f(median(small.add))}  ${PODS} pods ${f(median(many.add))}  ratio ${ratio(small.add, many.add)}`);
    console.log(`ours  DEL  1 pod ${f(median(small.del))}  ${PODS} pods ${f(median(many.del))}  ratio ${ratio(small.del, many.del)}`);
  }
} finally {
  for (const n of made.reverse()) spawnSync('ip', ['netns', 'del', n]);
  spawnSync('ip', ['netns', 'del', node]);
  rmSync(dir, { recursive: true, force: true });
}
