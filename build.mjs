#!/usr/bin/env node
// Builds the plugin directory dist/bin: one executable per plugin plus cnitool.
// Each executable is a tiny POSIX sh preamble plus a JS stub. The preamble answers VERSION
// without starting Node at all (runtimes such as podman call VERSION constantly) and otherwise
// execs Node on the same file with NODE_OPTIONS and NODE_EXTRA_CA_CERTS removed (Node 20 parses
// the CA bundle eagerly: +39 ms). The stub runs the plugin's CommonJS bundle (ESM costs 7-14 ms
// of startup) from dist/bin/cni-ts/ with a V8 code cache made at build time for this Node
// binary, so a plugin process compiles almost nothing (about 15-20 ms less per bridge ADD,
// measured). koffi's prebuilt native module is copied next to the bundles, so the directory
// works when copied anywhere (node-runtime.md section 3).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, 'dist', 'bin');
/** The bundles, their code caches and koffi live here, out of the way of CNI_PATH lookups. */
const PAYLOAD_DIR = 'cni-ts';
const SUPPORTED = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

/** executable name -> entry module */
const entries = {
  loopback: 'plugins/loopback/main.ts',
  bridge: 'plugins/bridge/main.ts',
  'host-local': 'plugins/host-local/main.ts',
  portmap: 'plugins/portmap/main.ts',
  cnitool: 'lib/runtime/cnitool/main.ts',
};

function preamble(isPlugin) {
  const version = JSON.stringify({ cniVersion: '1.1.0', supportedVersions: SUPPORTED });
  // Line 2 is both valid sh and a harmless JS expression statement followed by a comment.
  const fast = isPlugin ? `[ "$CNI_COMMAND" = VERSION ] && { printf '%s\\n' '${version}'; exit 0; }; ` : '';
  // "cni-ts-plugin" marks our build: the bridge runs our host-local in process when it finds it.
  return `#!/bin/sh\n':' //; ${fast}unset NODE_OPTIONS NODE_EXTRA_CA_CERTS; exec "\${CNI_TS_NODE:-node}" "$0" "$@" # cni-ts-plugin\n`;
}

/** The cache file of a bundle is named for a Node binary: V8 rejects the cache of another. */
const cacheSuffix = (version, arch) => `.${version}-${arch}.v8`;

/**
 * The JS after the preamble: compiles the bundle with its code cache when there is one for this
 * Node (a cache V8 rejects, or none, only means a normal compile), then runs it as a CommonJS
 * module whose require resolves from the bundle's own directory (koffi's .node file).
 */
function stub(name) {
  return `'use strict';
const fs = require('node:fs'), path = require('node:path'), vm = require('node:vm');
const file = path.join(__dirname, ${JSON.stringify(PAYLOAD_DIR)}, ${JSON.stringify(`${name}.cjs`)});
let source, cachedData;
try { source = fs.readFileSync(file, 'utf8'); } catch (e) {
  process.stdout.write(\`\${JSON.stringify({ code: 999, msg: \`cannot read \${file} (\${e.code}): install the whole directory this executable came from\` })}\\n\`);
  process.exit(1);
}
try { cachedData = fs.readFileSync(\`\${file}${cacheSuffix('${process.version}', '${process.arch}')}\`); } catch {}
const script = new vm.Script(\`(function (exports, require, module, __filename, __dirname) {\${source}\\n})\`, { filename: file, cachedData });
if (process.env.CNI_TS_DEBUG && script.cachedDataRejected !== false) process.stderr.write(\`cni-ts: no code cache for Node \${process.version}; compiling\\n\`);
const m = { exports: {} };
script.runInThisContext().call(m.exports, m.exports, require('node:module').createRequire(file), m, file, path.dirname(file));
`;
}

/**
 * Writes a code cache holding EVERY function of a script, not only its top level: compiled
 * with V8's lazy compilation off, then serialised with it back on, because the flag hash in
 * the cache must match a normal process or V8 rejects it. A process then finds each function
 * it calls already compiled. Runs in a child of `node` (the only V8 that will accept the
 * cache) so the flags never touch this process, and checks the cache is accepted there.
 * `wrap` compiles the file inside the CommonJS wrapper the stubs use. Returns whether it
 * worked; without a cache a process is only slower, so failure is a warning.
 */
export function writeFullCodeCache({ node = process.execPath, file, cache, wrap, label = 'build' }) {
  const script = `
const v8 = require('node:v8'), vm = require('node:vm'), fs = require('node:fs');
const [file, cache, wrap] = process.argv.slice(1);
const text = fs.readFileSync(file, 'utf8');
const code = wrap === '1' ? \`(function (exports, require, module, __filename, __dirname) {\${text}\\n})\` : text;
v8.setFlagsFromString('--no-lazy');
const s = new vm.Script(code, { filename: file });
v8.setFlagsFromString('--lazy');
fs.writeFileSync(cache, s.createCachedData());
const check = new vm.Script(code, { filename: file, cachedData: fs.readFileSync(cache) });
if (check.cachedDataRejected) { fs.rmSync(cache); process.exitCode = 3; }`;
  try {
    execFileSync(node, ['-e', script, file, cache, wrap ? '1' : '0'], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    return true;
  } catch (e) {
    console.warn(`${label}: no code cache for ${file} (${e.status === 3 ? 'V8 rejected it' : String(e.stderr ?? e).trim()})`);
    return false;
  }
}

/** Builds every executable into `outDir` (dist/bin unless a test asks for another). */
export async function buildAll({ quiet = false, outDir = out } = {}) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const shim = join(root, 'dist', 'koffi-native.cjs');
  // koffi's native module is loaded on first use, not at startup: a DEL with nothing to do
  // (portmap without mappings) or an invalid input never pays its 2-4 ms dlopen.
  writeFileSync(
    shim,
    [
      'let native;',
      "const load = () => (native ??= require('@koromix/koffi-linux-x64/linux_x64/koffi.node'));",
      'module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });',
      '',
    ].join('\n'),
  );
  const payloads = join(outDir, PAYLOAD_DIR);
  mkdirSync(payloads, { recursive: true });
  for (const [name, entry] of Object.entries(entries)) {
    if (!existsSync(join(root, entry))) {
      if (!quiet) console.log(`build: skipping ${name} (${entry} not written yet)`);
      continue;
    }
    const bundle = join(payloads, `${name}.cjs`);
    await build({
      entryPoints: [join(root, entry)],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      alias: { koffi: shim },
      loader: { '.node': 'copy' },
      assetNames: '[name]-[hash]',
      logLevel: 'warning',
    });
    writeFullCodeCache({ file: bundle, cache: `${bundle}${cacheSuffix(process.version, process.arch)}`, wrap: true });
    const exe = join(outDir, name);
    writeFileSync(exe, preamble(name !== 'cnitool') + stub(name));
    chmodSync(exe, 0o755);
  }
  // The executables have no extension, so Node takes their module type from the nearest
  // package.json: pin CommonJS here so a copy inside an ESM package (like this repo) still runs.
  writeFileSync(join(outDir, 'package.json'), '{"type":"commonjs"}\n');
  if (!quiet) console.log(`build: ${readdirSync(outDir).join(' ')} -> ${outDir}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAll();
}
