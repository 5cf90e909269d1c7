#!/usr/bin/env node
// Runs the conformance CLI from source: bundles conformance/main.ts with esbuild into a
// temporary file (Node 20 cannot run TypeScript directly), runs it, and removes the bundle.
// Usage: node conformance/run.mjs --plugins <dir> [options]   (see --help)
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cnits-conformance-'));
const outfile = join(dir, 'conformance.mjs');
try {
  await build({
    entryPoints: [join(here, 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
