#!/usr/bin/env node
// `npm run e2e`: bundles e2e/main.ts with esbuild into a temporary file and runs it. Installs
// npm packages when missing and, unless --plugins names another directory, builds dist/bin
// first. The e2e itself installs the Debian packages it drives (podman, containerd, ...).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, ensureNpmDeps, root } from '../scripts/setup.mjs';

const argv = process.argv.slice(2);
ensureNpmDeps();
if (!argv.some((a) => a === '--plugins' || a.startsWith('--plugins=') || a === '--help' || a === '-h')) {
  await ensureBuilt();
  argv.push('--plugins', join(root, 'dist', 'bin'));
}
const { build } = await import('esbuild');
const dir = mkdtempSync(join(tmpdir(), 'cnits-e2e-bundle-'));
try {
  const outfile = join(dir, 'e2e.mjs');
  await build({
    entryPoints: [join(root, 'e2e', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // execa's CommonJS dependencies require Node's built-ins, which an ES module bundle does not define
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  process.argv = [process.argv[0], outfile, ...argv];
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
