#!/usr/bin/env node
// Proves dist/standalone (npm run build:standalone) works, as root, in throwaway namespaces:
//  1. loopback VERSION, and NODE_OPTIONS is ignored (execArgvExtension "none");
//  2. loopback ADD in a fresh namespace brings lo up;
//  3. bridge + host-local ADD, CHECK and DEL, the bridge running inside a throwaway "node"
//     namespace (never the root namespace) and finding host-local through CNI_PATH=dist/standalone.
//  4. with CNI_TS_DEBUG=1 the executable says nothing on stderr: its full code cache was accepted.
// With --bench [N] it then measures cold start, interleaved, median of N (default 20):
// `node -e 0`, and for dist/bin and dist/standalone loopback VERSION (Node started), loopback
// ADD and bridge + host-local ADD; --baseline DIR (repeatable) adds another standalone build,
// e.g. a copy of an older dist/standalone.
// Not part of `npm test` or CI. Exits 1 on the first failed check; namespaces are always removed.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const sea = join(root, 'dist', 'standalone');
const bin = join(root, 'dist', 'bin');
const benchAt = process.argv.indexOf('--bench');
const benchN = benchAt < 0 ? 0 : Number(process.argv[benchAt + 1] ?? '') || 20;
const baselines = process.argv.flatMap((a, i) => (a === '--baseline' && process.argv[i + 1] ? [process.argv[i + 1]] : []));

const namespaces = [];
const dirs = [];
let failures = 0;

function check(ok, what, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `\n     ${detail}`}`);
  if (!ok) failures++;
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  return r;
}

function netns(purpose) {
  const name = `cnits-sea-${purpose}-${randomBytes(4).toString('hex')}`;
  const r = sh('ip', ['netns', 'add', name]);
  if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`);
  namespaces.push(name);
  return name;
}

/** Runs a plugin the CNI way; `inNs` runs the plugin process itself inside that namespace. */
function plugin(file, { command, config, netns: target = '', ifname = 'eth0', containerId = 'sea1', path = '', inNs, extraEnv = {} }) {
  const env = {
    PATH: process.env.PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: target ? `/run/netns/${target}` : '',
    CNI_IFNAME: ifname,
    CNI_PATH: path,
    ...extraEnv,
  };
  const input = config ? JSON.stringify(config) : '';
  const r = inNs ? sh('ip', ['netns', 'exec', inNs, file], { env, input }) : sh(file, [], { env, input });
  let json;
  try {
    json = r.stdout ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

function ipJson(ns, args) {
  return JSON.parse(sh('ip', ['netns', 'exec', ns, 'ip', '-j', ...args]).stdout || '[]');
}

function functional() {
  const loopback = join(sea, 'loopback');
  const size = statSync(join(sea, 'cni-ts')).size;
  console.log(`dist/standalone/cni-ts: ${(size / 1e6).toFixed(1)} MB`);

  const v = plugin(loopback, { command: 'VERSION', extraEnv: { NODE_OPTIONS: '--require /nonexistent.js' } });
  check(v.code === 0 && v.json?.supportedVersions?.includes('1.1.0'), 'loopback VERSION (with a hostile NODE_OPTIONS)', v.stdout + v.stderr);
  const dbg = plugin(loopback, { command: 'VERSION', extraEnv: { CNI_TS_DEBUG: '1' } });
  check(dbg.code === 0 && dbg.stderr === '', 'the full code cache is accepted (CNI_TS_DEBUG=1 prints nothing)', dbg.stderr);

  const pod = netns('pod');
  sh('ip', ['netns', 'exec', pod, 'ip', 'link', 'set', 'lo', 'down']);
  const lo = { cniVersion: '1.1.0', name: 'sea-lo', type: 'loopback' };
  const add = plugin(loopback, { command: 'ADD', config: lo, netns: pod, ifname: 'lo' });
  const up = ipJson(pod, ['link', 'show', 'lo'])[0]?.flags?.includes('UP');
  check(add.code === 0 && up && add.json?.ips?.[0]?.address === '127.0.0.1/8', 'loopback ADD brings lo up', add.stdout + add.stderr);

  const node = netns('node');
  const pod2 = netns('pod');
  const dataDir = mkdtempSync(join(tmpdir(), 'cnits-sea-'));
  dirs.push(dataDir);
  const conf = {
    cniVersion: '1.1.0',
    name: 'sea-net',
    type: 'bridge',
    bridge: 'seabr0',
    isGateway: true,
    ipam: { type: 'host-local', subnet: '10.77.0.0/24', dataDir },
  };
  const opts = { config: conf, netns: pod2, ifname: 'eth0', path: sea, inNs: node };
  const badd = plugin(join(sea, 'bridge'), { ...opts, command: 'ADD' });
  const addr = badd.json?.ips?.[0]?.address;
  check(badd.code === 0 && addr === '10.77.0.2/24', `bridge ADD (host-local via CNI_PATH) -> ${addr}`, badd.stdout + badd.stderr);
  const podAddrs = ipJson(pod2, ['addr', 'show', 'eth0']).flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
  check(podAddrs.includes('10.77.0.2/24'), 'the pod has 10.77.0.2/24 on eth0', JSON.stringify(podAddrs));
  const ping = sh('ip', ['netns', 'exec', pod2, 'ping', '-c1', '-W2', '10.77.0.1']);
  check(ping.status === 0, 'the pod pings the gateway 10.77.0.1', ping.stdout + ping.stderr);
  const bcheck = plugin(join(sea, 'bridge'), { ...opts, command: 'CHECK', config: { ...conf, prevResult: badd.json } });
  check(bcheck.code === 0, 'bridge CHECK', bcheck.stdout + bcheck.stderr);
  const leased = () => (existsSync(join(dataDir, 'sea-net')) ? readdirSync(join(dataDir, 'sea-net')) : []);
  check(leased().includes('10.77.0.2'), 'host-local recorded the lease in dataDir', JSON.stringify(leased()));
  const bdel = plugin(join(sea, 'bridge'), { ...opts, command: 'DEL' });
  const gone = ipJson(pod2, ['link', 'show']).every((l) => l.ifname !== 'eth0');
  check(bdel.code === 0 && gone, 'bridge DEL removes eth0', bdel.stdout + bdel.stderr);
  check(!leased().includes('10.77.0.2'), 'host-local released the lease on DEL', JSON.stringify(leased()));
  const again = plugin(join(sea, 'bridge'), { ...opts, command: 'ADD', containerId: 'sea2' });
  check(again.code === 0 && /^10\.77\.0\.\d+\/24$/.test(again.json?.ips?.[0]?.address ?? ''), 'a second ADD works', again.stdout + again.stderr);
  plugin(join(sea, 'bridge'), { ...opts, command: 'DEL', containerId: 'sea2' });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeOnce(fn) {
  const t = process.hrtime.bigint();
  const r = fn();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.code !== 0 && r.status !== 0) throw new Error(`benchmark run failed: ${r.stdout ?? ''}${r.stderr ?? ''}`);
  return ms;
}

/** A bridge + host-local network in its own node and pod namespaces, for timing ADD. */
function bridgeCase(dir, label) {
  const node = netns('bnode');
  const pod = netns('bpod');
  const dataDir = mkdtempSync(join(tmpdir(), 'cnits-sea-'));
  dirs.push(dataDir);
  const conf = { cniVersion: '1.1.0', name: 'sea-bench', type: 'bridge', bridge: 'seabr0', isGateway: true, ipam: { type: 'host-local', subnet: '10.78.0.0/24', dataDir } };
  const opts = { config: conf, netns: pod, ifname: 'eth0', path: dir, inNs: node, containerId: `bench-${label.replace(/[^a-zA-Z0-9]/g, '-')}` };
  return {
    run: () => plugin(join(dir, 'bridge'), { ...opts, command: 'ADD' }),
    after: () => {
      const r = plugin(join(dir, 'bridge'), { ...opts, command: 'DEL' });
      if (r.code !== 0) throw new Error(`${label} bridge DEL failed: ${r.stdout}${r.stderr}`);
    },
  };
}

/**
 * Cold start, interleaved, median of n: `node -e 0`, then for dist/bin, dist/standalone and
 * any --baseline DIR (another standalone build): loopback VERSION with Node started (dist/bin
 * through `node`, past its sh fast path), loopback ADD, and bridge + host-local ADD (its DEL
 * runs between rounds, untimed).
 */
function bench(n, baselines) {
  const pod = netns('bench');
  const lo = { cniVersion: '1.1.0', name: 'sea-lo', type: 'loopback' };
  const env = { PATH: process.env.PATH };
  const cases = { 'node -e 0': { run: () => sh('node', ['-e', '0'], { env }) } };
  const targets = [['dist/bin', bin], ['dist/standalone', sea], ...baselines.map((d, i) => [`baseline${baselines.length > 1 ? i + 1 : ''} ${d}`, d])];
  for (const [label, dir] of targets) {
    if (!existsSync(join(dir, 'loopback'))) throw new Error(`${dir}/loopback missing (npm run build / build:standalone first)`);
    const loopback = join(dir, 'loopback');
    cases[`${label} VERSION`] = {
      run: () => (dir === bin ? sh('node', [loopback], { env: { ...env, CNI_COMMAND: 'VERSION' } }) : plugin(loopback, { command: 'VERSION' })),
    };
    cases[`${label} loopback ADD`] = { run: () => plugin(loopback, { command: 'ADD', config: lo, netns: pod, ifname: 'lo' }) };
    cases[`${label} bridge ADD`] = bridgeCase(dir, label.split(' ')[0]);
  }
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const c of Object.values(cases)) {
    timeOnce(c.run); // warm the page cache
    c.after?.();
  }
  for (let i = 0; i < n; i++) {
    for (const [k, c] of Object.entries(cases)) {
      times[k].push(timeOnce(c.run));
      c.after?.();
    }
  }
  console.log(`cold start, interleaved, median of ${n} (ms):`);
  const width = Math.max(...Object.keys(times).map((k) => k.length)) + 2;
  for (const [k, xs] of Object.entries(times)) console.log(`  ${k.padEnd(width)} ${median(xs).toFixed(1)}  (min ${Math.min(...xs).toFixed(1)})`);
}

try {
  if (process.getuid?.() !== 0) throw new Error('run as root (it creates network namespaces)');
  functional();
  if (benchN) bench(benchN, baselines);
} catch (e) {
  check(false, 'unexpected error', String(e?.stack ?? e));
} finally {
  for (const ns of namespaces) sh('ip', ['netns', 'del', ns]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
