// Finds the Bun binary that compiles dist/bin: the exact version pinned in package.json, from
// npm's `bun` package. Its postinstall moves the platform binary into node_modules/bun/bin;
// where install scripts were skipped, the binary is still inside the platform package
// (@oven/bun-linux-<arch>, or -baseline for x64 CPUs without AVX2). Node built-ins only.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pinned version (package.json devDependencies.bun, an exact version). */
export function pinnedBunVersion(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const v = pkg.devDependencies?.bun;
  if (!/^\d+\.\d+\.\d+$/.test(v ?? '')) throw new Error(`package.json must pin bun to an exact version (found ${JSON.stringify(v)})`);
  return v;
}

function cpuHasAvx2() {
  try {
    return /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return true;
  }
}

/** The path of a Bun binary of exactly the pinned version, or an Error saying what is missing. */
export function findBun(root) {
  const version = pinnedBunVersion(root);
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x64';
  const packages = arch === 'x64' && !cpuHasAvx2() ? ['bun-linux-x64-baseline', 'bun-linux-x64'] : [`bun-linux-${arch}`];
  const candidates = [join(root, 'node_modules', 'bun', 'bin', 'bun.exe'), ...packages.map((p) => join(root, 'node_modules', '@oven', p, 'bin', 'bun'))];
  const seen = [];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const r = spawnSync(file, ['--version'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    const got = (r.stdout ?? '').trim();
    if (r.status === 0 && got === version) return file;
    seen.push(`${file}: ${r.error?.message ?? (got || `exit ${r.status}`)}`);
  }
  return new Error(
    `no Bun ${version} found (run npm install; it installs the pinned bun package)${seen.length ? `; tried ${seen.join('; ')}` : ''}`,
  );
}

/**
 * The Bun runtime to embed for a build target, when npm installed it (@oven/bun-linux-x64-baseline
 * of the pinned version: an optional dependency of the dev dependency scripts/bun-runtime, which
 * npm hoists into node_modules/@oven), so the build downloads nothing; or
 * undefined, and `bun build` fetches that target's runtime from the npm registry itself.
 */
export function targetRuntime(root, bunTarget) {
  const packages = { 'bun-linux-x64-baseline': 'bun-linux-x64-baseline' };
  const pkg = packages[bunTarget];
  if (pkg === undefined) return undefined;
  const file = join(root, 'node_modules', '@oven', pkg, 'bin', 'bun');
  if (!existsSync(file)) return undefined;
  const r = spawnSync(file, ['--version'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return r.status === 0 && (r.stdout ?? '').trim() === pinnedBunVersion(root) ? file : undefined;
}
