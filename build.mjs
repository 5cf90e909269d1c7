#!/usr/bin/env node
// Builds the plugin directory dist/bin: one native executable, `cni-ts`, compiled by Bun from
// esbuild's bundles of cmd/multicall.ts and of each program, a few lines of sh per plugin that
// answer VERSION themselves and run the executable for everything else (lib/cni/plugin-front.ts:
// runtimes ask for VERSION far more often than for anything else), and a link for cnitool.
// The executable runs the program it is started as (bridge, host-local, ...), so the directory
// is one binary's size instead of one copy per plugin. It needs no Node.js, nothing extracted
// at run time and no writable /tmp: libc is reached through bun:ffi, and the JavaScript is
// stored as JavaScriptCore bytecode inside the binary (`--bytecode`), so a plugin process
// parses almost nothing. The bytecode is tied to the Bun version, which package.json pins.
//
//   node build.mjs                          dist/bin for this machine (linux-x64 or linux-arm64)
//   node build.mjs --target linux-arm64     dist/linux-arm64/bin (cross-compiled; Bun fetches
//                                           that platform's runtime from the npm registry)
//   node build.mjs --target all             both, in dist/linux-x64/bin and dist/linux-arm64/bin
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findBun, targetRuntime } from './scripts/bun.mjs';

const root = dirname(fileURLToPath(import.meta.url));

/** The binary's own name; every plugin's sh front runs it, and cnitool is a link to it. */
export const BINARY = 'cni-ts';
/** Program name -> entry module; cmd/multicall.ts dispatches on these names. */
export const PROGRAM_ENTRIES = JSON.parse(readFileSync(join(root, 'cmd', 'programs.json'), 'utf8'));
export const PROGRAMS = Object.keys(PROGRAM_ENTRIES);
/**
 * Build target -> Bun's target. x64 uses Bun's baseline runtime, which needs only SSE4.2
 * (Nehalem or newer; the default one needs AVX2 and dies with SIGILL without it); a loopback
 * ADD measured the same with both.
 */
export const TARGETS = { 'linux-x64': 'bun-linux-x64-baseline', 'linux-arm64': 'bun-linux-arm64' };
const HOST_TARGET = process.arch === 'arm64' ? 'linux-arm64' : 'linux-x64';

/**
 * Environment variables the Bun runtime reads before any of our code runs, renamed inside the
 * binary (same length, first byte 0x01, a name no environment holds) so that a runtime's
 * environment cannot turn a plugin into the Bun CLI (BUN_BE_BUN) or prepend runtime flags
 * (BUN_OPTIONS). Every other BUN_* variable is dropped by cmd/environment.ts, which restarts
 * the process without them. Each name must occur in the compiled binary exactly as often as in
 * the Bun binary that built it (the same release's runtime for another target, baseline or
 * arm64, holds the same names): a different count means a new Bun release moved things, and
 * the build stops rather than ship a half-patched runtime.
 */
const RUNTIME_VARIABLES = ['BUN_BE_BUN', 'BUN_OPTIONS'];

function countOf(buf, text) {
  let n = 0;
  for (let i = buf.indexOf(text); i !== -1; i = buf.indexOf(text, i + 1)) n++;
  return n;
}

function deafenToRuntimeVariables(exe, bun) {
  const runtime = readFileSync(bun);
  const buf = readFileSync(exe);
  for (const name of RUNTIME_VARIABLES) {
    const expected = countOf(runtime, name);
    const found = countOf(buf, name);
    if (expected === 0 || found !== expected) {
      throw new Error(`build: ${name} occurs ${found} times in ${exe} and ${expected} in ${bun}: review RUNTIME_VARIABLES for this Bun version`);
    }
    const renamed = `\x01${name.slice(1)}`;
    for (let i = buf.indexOf(name); i !== -1; i = buf.indexOf(name, i + 1)) buf.write(renamed, i, 'latin1');
  }
  writeFileSync(exe, buf);
}

/**
 * esbuild's bundles: the dispatcher and one self-contained bundle per program, all CommonJS
 * (Bun's --bytecode needs it). Returns the files, dispatcher first.
 */
async function bundle(dir) {
  // koffi is the Node binding of lib/sys; the compiled binary reaches libc through bun:ffi.
  const noKoffi = join(dir, 'no-koffi.cjs');
  writeFileSync(noKoffi, "throw new Error('koffi is not part of the compiled executables (lib/sys uses bun:ffi there)');\n");
  const entries = { [BINARY]: 'cmd/multicall.ts', ...PROGRAM_ENTRIES };
  const files = [];
  for (const [name, entry] of Object.entries(entries)) {
    const outfile = join(dir, `${name}.cjs`);
    await build({
      entryPoints: [join(root, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      alias: { koffi: noKoffi },
      logLevel: 'warning',
    });
    files.push(outfile);
  }
  return files;
}

/** One binary: the dispatcher is its entry, each program an embedded entry of its own. */
function compile(bun, bundleFiles, target, exe) {
  const runtime = targetRuntime(root, TARGETS[target]);
  execFileSync(
    bun,
    [
      'build',
      ...bundleFiles,
      '--compile',
      '--bytecode',
      '--format=cjs',
      `--target=${TARGETS[target]}`,
      ...(runtime ? [`--compile-executable-path=${runtime}`] : []),
      // a plugin must not read files from whatever directory its runtime runs it in
      '--no-compile-autoload-dotenv',
      '--no-compile-autoload-bunfig',
      '--no-compile-autoload-tsconfig',
      '--no-compile-autoload-package-json',
      // name the embedded modules relative to the bundles' own directory: left to itself, Bun
      // 1.4.5 picks another common root once there are more than eight entry points, and the
      // dispatcher's require('./<program>.cjs') then finds nothing
      `--root=${dirname(bundleFiles[0])}`,
      '--outfile',
      exe,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' } },
  );
}

/** ELF e_machine of each target: a cross-compile that produced another machine's binary stops here. */
const ELF_MACHINE = { 'linux-x64': 62, 'linux-arm64': 183 };

function checkMachine(exe, target) {
  const head = readFileSync(exe).subarray(0, 20);
  const machine = head.readUInt16LE(18);
  if (head.readUInt32BE(0) !== 0x7f454c46 || machine !== ELF_MACHINE[target]) {
    throw new Error(`build: ${exe} is not a ${target} ELF executable (e_machine ${machine})`);
  }
}

/** cnitool is no plugin: no runtime asks it for VERSION, so it stays a plain link. */
const LINKED = new Set(['cnitool']);

/** lib/cni/plugin-front.ts, bundled for this script (it is TypeScript). */
async function loadPluginFront(dir) {
  const outfile = join(dir, 'plugin-front.mjs');
  await build({ entryPoints: [join(root, 'lib', 'cni', 'plugin-front.ts')], outfile, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
  const front = await import(pathToFileURL(outfile).href);
  if (front.BINARY_NAME !== BINARY) throw new Error(`build: lib/cni/plugin-front.ts runs ${front.BINARY_NAME}, the build writes ${BINARY}`);
  return front.pluginFront;
}

/**
 * Writes one plugin directory: the binary, a sh front per plugin (answers VERSION without
 * starting the Bun runtime, runs the binary for everything else: lib/cni/plugin-front.ts) and a
 * relative link for cnitool.
 */
function writeDirectory(outDir, exe, pluginFront) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const binary = join(outDir, BINARY);
  writeFileSync(binary, readFileSync(exe));
  chmodSync(binary, 0o755);
  for (const name of PROGRAMS) {
    if (LINKED.has(name)) symlinkSync(BINARY, join(outDir, name));
    else writeFileSync(join(outDir, name), pluginFront(name), { mode: 0o755 });
  }
}

/**
 * Builds `target` ('host', a key of TARGETS, or 'all') into `outDir` (dist/bin for the host;
 * dist/<target>/bin otherwise). Returns the directories written.
 */
export async function buildAll({ quiet = false, outDir, target = 'host' } = {}) {
  const bun = findBun(root);
  if (bun instanceof Error) throw bun;
  const work = join(root, 'dist', '.build');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const bundleFiles = await bundle(work);
  const pluginFront = await loadPluginFront(work);
  const targets = target === 'all' ? Object.keys(TARGETS) : [target === 'host' ? HOST_TARGET : target];
  const written = [];
  for (const t of targets) {
    if (!(t in TARGETS)) throw new Error(`build: unknown target ${t} (one of ${Object.keys(TARGETS).join(', ')}, all)`);
    const exe = join(work, `${BINARY}-${t}`);
    compile(bun, bundleFiles, t, exe);
    checkMachine(exe, t);
    deafenToRuntimeVariables(exe, bun);
    const dir = outDir ?? (target === 'host' ? join(root, 'dist', 'bin') : join(root, 'dist', t, 'bin'));
    writeDirectory(dir, exe, pluginFront);
    written.push(dir);
    if (!quiet) console.log(`build: ${readdirSync(dir).join(' ')} -> ${dir} (${t})`);
  }
  rmSync(work, { recursive: true, force: true });
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--target');
  await buildAll({ target: i === -1 ? 'host' : process.argv[i + 1] });
}
