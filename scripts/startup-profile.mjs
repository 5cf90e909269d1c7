#!/usr/bin/env node
// `node scripts/startup-profile.mjs [program ...]`: what each program of dist/bin loads before
// its handler runs, and what that costs, inside the compiled executable (Bun). Builds each
// program as build.mjs does, but with a banner that times every require() of a built-in module
// and every bun:ffi dlopen, compiles it with the pinned Bun into a temporary directory, and runs
// it RUNS times with CNI_COMMAND=ADD and no other CNI variable: the skel stops at the missing
// variables, after every module was evaluated and before any handler, so what it prints is the
// start-up set. Prints, per program, the medians: when JavaScript started (ms since the process
// began), each built-in's load time, when the process was ready to exit, and its memory: peak
// RSS (VmHWM), of which RssFile are pages of the executable itself, shared through the page
// cache by every process of it, and RssAnon its own.
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBun } from './bun.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 15;
const entries = JSON.parse(readFileSync(join(root, 'cmd', 'programs.json'), 'utf8'));
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(entries).filter((p) => p !== 'cnitool');

// Runs first in the bundle: wraps require() (the CommonJS one Bun hands the module) and
// reports through fd 2 at exit. performance.now() counts from the start of the process.
const banner = `const __req = require, __t0 = performance.now(), __log = [], __seen = new Set();
require = (id) => { const first = !__seen.has(id); __seen.add(id); const t = performance.now(), m = __req(id), d = performance.now() - t; if (first) __log.push(['first require ' + id, d]); return m; };
queueMicrotask(() => __log.push(['top level evaluated at', performance.now()]));
let __memory = [];
process.once('beforeExit', () => Bun.file('/proc/self/status').text().then((t) => { for (const k of ['VmHWM', 'RssAnon', 'RssFile']) __memory.push([k + ' (MB)', Number(new RegExp('^' + k + ':\\\\s+(\\\\d+)', 'm').exec(t)?.[1] ?? 0) / 1024]); }));
process.on('exit', () => { __log.push(['js started at', __t0], ['ready to exit at', performance.now()], ...__memory); __req('node:fs').writeSync(2, JSON.stringify(__log) + '\\n'); });`;

const bun = findBun(root);
if (bun instanceof Error) throw bun;
const dir = mkdtempSync(join(tmpdir(), 'cnits-startup-'));
try {
  const noKoffi = join(dir, 'no-koffi.cjs');
  writeFileSync(noKoffi, "throw new Error('no koffi here');\n");
  for (const name of wanted) {
    const bundle = join(dir, `${name}.cjs`);
    await build({
      entryPoints: [join(root, entries[name])],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      alias: { koffi: noKoffi },
      banner: { js: banner },
      logLevel: 'error',
    });
    const exe = join(dir, name);
    execFileSync(bun, ['build', bundle, '--compile', '--bytecode', '--format=cjs', '--outfile', exe], { stdio: 'ignore' });
    const samples = new Map();
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(exe, [], { env: { PATH: process.env.PATH, CNI_COMMAND: 'ADD' }, input: '{}', encoding: 'utf8' });
      const line = r.stderr.trim().split('\n').pop();
      for (const [what, ms] of JSON.parse(line)) {
        const list = samples.get(what) ?? [];
        list.push(ms);
        samples.set(what, list);
      }
    }
    console.log(`${name} (median of ${RUNS} runs, ms)`);
    for (const [what, list] of samples) {
      const sorted = [...list].sort((a, b) => a - b);
      console.log(`  ${what.padEnd(34)} ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
