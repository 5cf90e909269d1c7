// Test-only: bundles the plugin from source into a temporary directory the way build.mjs
// does (CommonJS, koffi's native module copied beside it), so executable tests always run
// the code under test rather than a possibly stale dist/bin.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** A bundled host-local executable and how to remove it. */
export interface BundledPlugin {
  readonly bin: string;
  readonly dir: string;
  cleanup(): void;
}

/** Bundles plugins/host-local/main.ts into an executable file in a fresh temporary directory. */
export async function bundleHostLocal(): Promise<BundledPlugin> {
  const dir = mkdtempSync(join(tmpdir(), 'cnits-hl-bin-'));
  const native = createRequire(import.meta.url).resolve('@koromix/koffi-linux-x64/linux_x64/koffi.node');
  const shim = join(dir, 'koffi-shim.cjs');
  writeFileSync(shim, `module.exports = require(${JSON.stringify(native)});\n`);
  const bin = join(dir, 'host-local');
  await build({
    entryPoints: [join(here, 'main.ts')],
    outfile: bin,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    alias: { koffi: shim },
    loader: { '.node': 'copy' },
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n');
  chmodSync(bin, 0o755);
  return { bin, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
