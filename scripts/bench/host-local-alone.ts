// Benchmark (not a test): host-local with 1,000 addresses already reserved in a /16.
// Bundle it next to itself (dist/bin and koffi are found from there; CommonJS, because lib/sys
// loads koffi with require()), run, remove:
//   npx esbuild scripts/bench/host-local-alone.ts --bundle --platform=node --format=cjs \
//     --packages=external --outfile=scripts/bench/.host-local-alone.cjs \
//     && node scripts/bench/.host-local-alone.cjs; rm -f scripts/bench/.host-local-alone.cjs
// Prints in-process ADD/DEL timings (warm cache, and after a foreign change forces a rescan)
// and the executable's wall time (dist/bin/host-local; run npm run build first): VERSION (the
// startup floor), ADD/DEL on an empty network and with 1,000 reservations, and Debian's Go
// host-local on the same data for comparison.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ipToString } from '../../lib/addr/index.ts';
import { allocate, releaseAttachment } from '../../lib/host-local/allocator.ts';
import { withDiskStore } from '../../lib/host-local/with-disk-store.ts';
import { canonicalizeRangeSet } from '../../lib/host-local/range-set.ts';

const RESERVED = 1000;
const RUNS = 40;
const sets = [canonicalizeRangeSet([{ subnet: '10.200.0.0/16' }], 'bench')];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function fill(dataDir: string, network: string): void {
  withDiskStore({ dataDir, network }, (store) => {
    for (let i = 0; i < RESERVED; i++) allocate(store, sets, { owner: { containerId: `filler-${i}`, ifname: 'eth0' }, requested: [] });
  });
}

function inProcess(dataDir: string): void {
  const loc = { dataDir, network: 'inproc' };
  fill(dataDir, 'inproc');
  const addMs: number[] = [];
  const delMs: number[] = [];
  const coldAddMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const owner = { containerId: `bench-${i}`, ifname: 'eth0' };
    let t = performance.now();
    withDiskStore(loc, (s) => allocate(s, sets, { owner, requested: [] }).map((a) => ipToString(a.ip)));
    addMs.push(performance.now() - t);
    t = performance.now();
    withDiskStore(loc, (s) => releaseAttachment(s, owner), { create: false, retryStale: true });
    delMs.push(performance.now() - t);
    // A foreign change (what the Go plugin's ADD does) makes the next run reread every file.
    writeFileSync(join(dataDir, 'inproc', `10.200.255.${i + 1}`), `foreign-${i}\r\neth0`);
    t = performance.now();
    withDiskStore(loc, (s) => allocate(s, sets, { owner, requested: [] }));
    coldAddMs.push(performance.now() - t);
    withDiskStore(loc, (s) => releaseAttachment(s, owner), { create: false });
  }
  console.log(`in-process (warm), ${RESERVED} reserved: ADD median ${median(addMs).toFixed(3)} ms, DEL median ${median(delMs).toFixed(3)} ms`);
  console.log(`in-process ADD after a foreign change (full rescan): median ${median(coldAddMs).toFixed(3)} ms`);
}

function execMs(bin: string, dataDir: string, network: string, command: string, id: string): number {
  const config = JSON.stringify({ cniVersion: '1.0.0', name: network, ipam: { type: 'host-local', subnet: '10.200.0.0/16', dataDir } });
  const env = { PATH: process.env.PATH ?? '', CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: '/dev/null', CNI_IFNAME: 'eth0', CNI_PATH: '/' };
  const t = performance.now();
  const r = spawnSync(bin, [], { env, input: config });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stdout}`);
  return ms;
}

const GO = '/usr/lib/cni/host-local';
const OURS = join(dirname(process.argv[1] ?? '.'), '..', '..', 'dist', 'bin', 'host-local');

function executable(dataDir: string): void {
  fill(dataDir, 'full');
  fill(dataDir, 'gofull');
  const go = existsSync(GO);
  const rows: Record<string, number[]> = {};
  const time = (label: string, ms: number): void => void (rows[label] ??= []).push(ms);
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so load changes hit every row alike.
    time('VERSION (startup floor)', execMs(OURS, dataDir, 'empty', 'VERSION', 'v'));
    time('ADD, empty network', execMs(OURS, dataDir, 'empty', 'ADD', `e-${i}`));
    time('ADD, 1000 reserved', execMs(OURS, dataDir, 'full', 'ADD', `f-${i}`));
    time('DEL, empty network', execMs(OURS, dataDir, 'empty', 'DEL', `e-${i}`));
    time('DEL, 1000 reserved', execMs(OURS, dataDir, 'full', 'DEL', `f-${i}`));
    if (go) {
      time('Go ADD, 1000 reserved', execMs(GO, dataDir, 'gofull', 'ADD', `g-${i}`));
      time('Go DEL, 1000 reserved', execMs(GO, dataDir, 'gofull', 'DEL', `g-${i}`));
    }
  }
  for (const [k, v] of Object.entries(rows)) console.log(`executable ${k}: median ${median(v).toFixed(2)} ms`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'cnits-hl-bench-'));
try {
  inProcess(dataDir);
  executable(dataDir);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
