// Test-only helpers for the runtime and cnitool tests (not exported from index.ts): bundle the
// recording noop plugin (conformance/noop) and cnitool into executables in a temp directory.
import { type Plugin, build } from 'esbuild';
import { createRequire } from 'node:module';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * koffi (lib/sys under Node, which starts the plugins) cannot be bundled: its native module
 * is found next to its own files. The bundle requires this repository's copy by absolute path,
 * so it runs from a temporary directory.
 */
const koffiFromRepo: Plugin = {
  name: 'koffi-from-repo',
  setup(b) {
    const path = createRequire(join(root, 'package.json')).resolve('koffi');
    b.onResolve({ filter: /^koffi$/ }, () => ({ path, external: true }));
  },
};

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    plugins: [koffiFromRepo],
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'error',
  });
  chmodSync(outfile, 0o755);
}

/**
 * Bundles the noop plugin into `dir` under each of `names` (copies of one bundle, so one list
 * can hold several distinguishable plugins). Returns the executables' paths.
 */
export async function buildNoop(dir: string, names: readonly string[] = ['noop']): Promise<string[]> {
  const [first, ...rest] = names;
  if (first === undefined) return [];
  const main = join(dir, first);
  await bundle('conformance/noop/main.ts', main);
  for (const name of rest) {
    copyFileSync(main, join(dir, name));
    chmodSync(join(dir, name), 0o755);
  }
  return names.map((n) => join(dir, n));
}

/** Bundles cnitool into `dir/cnitool` and returns its path. */
export async function buildCnitool(dir: string): Promise<string> {
  const out = join(dir, 'cnitool');
  await bundle('lib/runtime/cnitool/main.ts', out);
  return out;
}

/** One call recorded by the noop plugin (see conformance/noop/debug.ts). */
export interface RecordedCall {
  command: string;
  type?: string;
  plugin: string;
  env: Record<string, string>;
  stdin: string;
}

/** Writes a noop debug file (instructions; calls start empty). */
export function writeDebug(file: string, debug: Record<string, unknown> = {}): void {
  writeFileSync(file, JSON.stringify(debug));
}

/** The calls a noop debug file recorded, oldest first. */
export function readCalls(file: string): RecordedCall[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { calls?: RecordedCall[] }).calls ?? [];
}

/** The calls with stdin parsed, for deep comparisons. */
export function readRequests(file: string): (RecordedCall & { conf: Record<string, unknown> })[] {
  return readCalls(file).map((c) => ({ ...c, conf: JSON.parse(c.stdin) as Record<string, unknown> }));
}
