#!/usr/bin/env node
// `npm run build:npm` (npm pack and npm publish run it through `prepack`): the npm package's
// JavaScript and type declarations in dist/npm, for Node 20+:
//
//   dist/npm/runtime.js   cni-ts/runtime   lib/runtime: CniRuntime, config loading, the cache
//   dist/npm/cni.js       cni-ts/cni       lib/cni: the protocol's types, parsers and errors
//   dist/npm/testing.js   cni-ts/testing   lib/testing: the netns harness and the fakes
//   dist/npm/cnitool.js   bin cnitool      cnitool on Node
//   dist/npm/chunk-*.js   code the entries share (esbuild's code splitting)
//   dist/npm/types/       .d.ts files from tsc (tsconfig.npm.json), in the source's layout
//
// ES modules bundled by esbuild with the dependencies left as imports (package.json
// "dependencies": koffi, zod), so one install of the package serves all four. lib/sys reaches
// koffi with require() (it is loaded only when a libc call is made, see lib/sys/libc-koffi.ts),
// so every file gets a module-level require made by createRequire. dist/bin, the native
// executables, is not part of the package: `npm run build` or a release tarball provides those.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NPM_DIR = join(root, 'dist', 'npm');

/** Output name -> entry module. The package's "exports" and "bin" name these files. */
export const NPM_ENTRIES = {
  runtime: 'lib/runtime/index.ts',
  cni: 'lib/cni/index.ts',
  testing: 'lib/testing/index.ts',
  cnitool: 'lib/runtime/cnitool/main.ts',
};

export async function buildNpm({ quiet = false } = {}) {
  rmSync(NPM_DIR, { recursive: true, force: true });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const result = await build({
    entryPoints: Object.fromEntries(Object.entries(NPM_ENTRIES).map(([name, entry]) => [name, join(root, entry)])),
    outdir: NPM_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // the package's own dependencies stay imports; everything of ours is bundled
    external: Object.keys(pkg.dependencies ?? {}),
    chunkNames: 'chunk-[hash]',
    banner: { js: "import { createRequire as __cniTsCreateRequire } from 'node:module';\nconst require = __cniTsCreateRequire(import.meta.url);" },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  // The bundles must not import anything package.json does not install for a user.
  const allowed = new Set(Object.keys(pkg.dependencies ?? {}));
  for (const [file, out] of Object.entries(result.metafile.outputs)) {
    for (const imp of out.imports) {
      if (imp.external && !imp.path.startsWith('node:') && !allowed.has(imp.path.split('/').slice(0, imp.path.startsWith('@') ? 2 : 1).join('/'))) {
        throw new Error(`build:npm: ${file} imports ${imp.path}, which is not in package.json "dependencies"`);
      }
    }
  }
  // The bin entry is run directly; esbuild keeps no shebang from main.ts, so add one.
  const cnitool = join(NPM_DIR, 'cnitool.js');
  const text = readFileSync(cnitool, 'utf8');
  writeFileSync(cnitool, `#!/usr/bin/env node\n${text}`);
  chmodSync(cnitool, 0o755);
  // Declarations only (tsc does not write JavaScript here); esbuild above wrote that.
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.npm.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (!quiet) console.log(`build:npm: ${Object.keys(NPM_ENTRIES).join(', ')} and their declarations -> ${NPM_DIR}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildNpm();
}
