// Shared set-up of the README's commands: install what is missing (npm packages, Debian
// packages), saying so, and build dist/bin. Plain JavaScript with Node built-ins only, because
// it runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages the suite uses, with the file that proves each is installed. */
export const SYSTEM_PACKAGES = [
  { pkg: 'iproute2', file: '/usr/sbin/ip', why: 'ip netns for the throwaway namespaces' },
  { pkg: 'iptables', file: '/usr/sbin/iptables-restore', why: 'the iptables firewall backend' },
  { pkg: 'nftables', file: '/usr/sbin/nft', why: 'the nftables firewall backend' },
  { pkg: 'containernetworking-plugins', file: '/usr/lib/cni/host-local', why: 'the Go reference plugins, for comparison' },
  { pkg: 'iputils-ping', file: '/usr/bin/ping', why: 'connectivity checks' },
  { pkg: 'conntrack', file: '/usr/sbin/conntrack', why: 'checking UDP conntrack cleanup' },
  { pkg: 'socat', file: '/usr/bin/socat', why: 'echo servers in the conformance checks' },
  { pkg: 'strace', file: '/usr/bin/strace', why: 'killing each plugin at every step of an ADD (tests/kill-steps)' },
  { pkg: 'time', file: '/usr/bin/time', why: 'peak RSS of each plugin process in npm run bench' },
  { pkg: 'busybox-static', file: '/usr/bin/busybox', why: 'udhcpd, the DHCP server of the dhcp plugin\'s integration test' },
];

export function say(msg) {
  process.stdout.write(`\x1b[36m==>\x1b[0m ${msg}\n`);
}

export function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

export function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** npm packages: install when node_modules is missing or older than package.json. */
export function ensureNpmDeps() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(join(root, 'package.json')).mtimeMs) return;
  // A symlinked node_modules (a git worktree sharing another checkout's packages) is never
  // installed into: npm ci empties the directory the link points to, for every user of it.
  if (existsSync(join(root, 'node_modules')) && lstatSync(join(root, 'node_modules')).isSymbolicLink()) {
    if (existsSync(marker)) return say('node_modules is a symlink and older than package.json: not reinstalling it (npm ci would empty the shared directory)');
    throw new Error(`node_modules is a symlink to a directory without installed packages (${marker} missing): install there, not here`);
  }
  const lock = existsSync(join(root, 'package-lock.json'));
  say(`installing npm packages (npm ${lock ? 'ci' : 'install'})`);
  if (sh('npm', [lock ? 'ci' : 'install', '--no-audit', '--no-fund']) !== 0) throw new Error('npm install failed');
}

/** Debian packages: apt-get install what is missing (root only). */
export function ensureSystemPackages(list = SYSTEM_PACKAGES) {
  const missing = list.filter((p) => !existsSync(p.file));
  if (!missing.length) return;
  for (const p of missing) say(`missing ${p.pkg} (${p.why})`);
  if (!isRoot()) throw new Error(`run as root, or install first: apt-get install ${missing.map((p) => p.pkg).join(' ')}`);
  say(`installing with apt-get: ${missing.map((p) => p.pkg).join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (sh('apt-get', ['update', '-qq'], { env }) !== 0) throw new Error('apt-get update failed');
  const code = sh('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing.map((p) => p.pkg)], { env });
  if (code !== 0) throw new Error('apt-get install failed');
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/bin when it is missing or older than any source file. */
export async function ensureBuilt() {
  const binary = join(root, 'dist', 'bin', 'cni-ts');
  const sources = Math.max(
    ...['cmd', 'lib', 'plugins'].map((d) => newestMtime(join(root, d))),
    ...['build.mjs', 'cmd/programs.json', 'package.json'].map((f) => statSync(join(root, f)).mtimeMs),
  );
  if (existsSync(binary) && statSync(binary).mtimeMs >= sources) return;
  say('building dist/bin (npm run build: esbuild, then Bun compiles one native executable)');
  const { buildAll } = await import(join(root, 'build.mjs'));
  await buildAll({ quiet: true });
}
