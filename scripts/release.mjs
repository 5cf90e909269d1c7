#!/usr/bin/env node
// `npm run release`: the plugin directory as release tarballs, named and laid out the way CNI
// plugin releases usually are, so install scripts written for those work unchanged:
//
//   dist/release/cni-ts-linux-amd64-v<version>.tgz (+ .sha256, .sha512)
//   dist/release/cni-ts-linux-arm64-v<version>.tgz (+ .sha256, .sha512)
//
// Each tarball holds exactly what `npm run build` puts in dist/bin (the cni-ts executable, each
// plugin's sh front, cnitool's link), as ./<name> entries owned by root:root, with the modes of
// the build and a fixed mtime, gzip without name or time: two releases of the same commit with
// the same Bun are byte for byte the same. The checksum files are in `sha256sum`/`sha512sum`
// format, so `sha256sum -c cni-ts-linux-amd64-v0.1.0.tgz.sha256` verifies a download.
//
//   node scripts/release.mjs                          builds both targets, then packs them
//   node scripts/release.mjs --target linux-x64       one target only (linux-x64, linux-arm64, all)
//   node scripts/release.mjs --from dist/bin          packs an already built directory for the
//                                                     one --target given (no build)
//   node scripts/release.mjs --out DIR                writes into DIR instead of dist/release
//
// Cross-compiling arm64 on x64 (and the other way round) needs the npm registry: Bun fetches
// that platform's runtime while compiling (scripts/bun.mjs installs only x64-baseline locally).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Our build targets -> the architecture names release tarballs carry (Go's GOARCH names). */
export const RELEASE_ARCH = { 'linux-x64': 'amd64', 'linux-arm64': 'arm64' };

export function releaseVersion() {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
}

export function tarballName(target, version = releaseVersion()) {
  const arch = RELEASE_ARCH[target];
  if (arch === undefined) throw new Error(`release: unknown target ${target} (one of ${Object.keys(RELEASE_ARCH).join(', ')})`);
  return `cni-ts-linux-${arch}-v${version}.tgz`;
}

/**
 * The entries' mtime: SOURCE_DATE_EPOCH when the caller sets one (the reproducible-builds
 * convention), else the commit time of HEAD, so a rebuild of one commit gives the same bytes.
 */
export function releaseMtime() {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  try {
    const out = execFileSync('git', ['-C', root, 'log', '-1', '--format=%ct'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (/^\d+$/.test(out)) return Number(out);
  } catch {
    // not a git checkout (a source tarball): fall through
  }
  return 0;
}

/** The `sha256sum`/`sha512sum` line of a file: hex, two spaces, the file's own name. */
function checksumLine(algorithm, file) {
  return `${createHash(algorithm).update(readFileSync(file)).digest('hex')}  ${basename(file)}\n`;
}

/** The directory must look like a build's plugin directory: the executable and regular files or links. */
function checkPluginDir(dir) {
  if (!existsSync(join(dir, 'cni-ts'))) throw new Error(`release: ${dir} has no cni-ts executable (run npm run build first)`);
  for (const name of readdirSync(dir)) {
    const st = lstatSync(join(dir, name));
    if (!st.isFile() && !st.isSymbolicLink()) throw new Error(`release: ${join(dir, name)} is neither a file nor a link`);
  }
}

/**
 * Packs one plugin directory into `outDir` and writes its checksum files. GNU tar does the
 * archive (it keeps links as links and the modes as built); the options pin everything else.
 */
export function packPluginDir(dir, target, outDir, { version = releaseVersion(), mtime = releaseMtime() } = {}) {
  checkPluginDir(dir);
  mkdirSync(outDir, { recursive: true });
  const tgz = join(outDir, tarballName(target, version));
  rmSync(tgz, { force: true });
  const tar = [
    '--create',
    '--format=gnu',
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    `--mtime=@${mtime}`,
    // modes as built, minus whatever umask-dependent group/other write bits a checkout left
    '--mode=go-w',
    // gzip -n: no file name and no time stamp in the gzip header
    '--use-compress-program=gzip -n',
    '--file',
    tgz,
    '--directory',
    dir,
    '.',
  ];
  execFileSync('tar', tar, { stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } });
  writeFileSync(`${tgz}.sha256`, checksumLine('sha256', tgz));
  writeFileSync(`${tgz}.sha512`, checksumLine('sha512', tgz));
  return tgz;
}

function argValue(argv, name) {
  const i = argv.indexOf(name);
  if (i === -1) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`release: ${name} needs a value`);
  return v;
}

async function main(argv) {
  const target = argValue(argv, '--target') ?? 'all';
  const from = argValue(argv, '--from');
  const outDir = resolve(argValue(argv, '--out') ?? join(root, 'dist', 'release'));
  const targets = target === 'all' ? Object.keys(RELEASE_ARCH) : [target];
  for (const t of targets) tarballName(t);
  let dirs;
  if (from !== undefined) {
    if (targets.length !== 1) throw new Error('release: --from packs one directory: give one --target with it');
    dirs = [resolve(from)];
  } else {
    const { buildAll } = await import(join(root, 'build.mjs'));
    // one bundling, then each target into dist/<target>/bin (the host's too, so dist/bin stays
    // what npm run build made); the directories come back in the order of `targets`
    dirs = await buildAll({ target, quiet: true });
  }
  for (const [i, t] of targets.entries()) {
    const tgz = packPluginDir(dirs[i], t, outDir);
    console.log(`release: ${tgz} (${t}, ${readdirSync(dirs[i]).length} entries) + .sha256 .sha512`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
