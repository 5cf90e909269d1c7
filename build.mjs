#!/usr/bin/env node
// Builds the plugin directory dist/bin: one self-contained executable per plugin plus cnitool.
// Each is a CommonJS bundle (ESM costs 7-14 ms of startup) behind a tiny POSIX sh preamble that
// answers VERSION without starting Node at all (runtimes such as podman call VERSION constantly)
// and otherwise execs Node on the same file with NODE_OPTIONS and NODE_EXTRA_CA_CERTS removed
// (Node 20 parses the CA bundle eagerly: +39 ms). koffi's prebuilt native module is copied
// next to the bundles, so the directory works when copied anywhere (node-runtime.md section 3).
import { build } from 'esbuild';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, 'dist', 'bin');
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

export async function buildAll({ quiet = false } = {}) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
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
  for (const [name, entry] of Object.entries(entries)) {
    if (!existsSync(join(root, entry))) {
      if (!quiet) console.log(`build: skipping ${name} (${entry} not written yet)`);
      continue;
    }
    const outfile = join(out, name);
    await build({
      entryPoints: [join(root, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      alias: { koffi: shim },
      loader: { '.node': 'copy' },
      assetNames: '[name]-[hash]',
      banner: { js: preamble(name !== 'cnitool') },
      logLevel: 'warning',
    });
    chmodSync(outfile, 0o755);
  }
  // The executables have no extension, so Node takes their module type from the nearest
  // package.json: pin CommonJS here so a copy inside an ESM package (like this repo) still runs.
  writeFileSync(join(out, 'package.json'), '{"type":"commonjs"}\n');
  if (!quiet) console.log(`build: ${readdirSync(out).join(' ')} -> ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAll();
}
