// npm run release, checked on the host's own target: the tarball of dist/bin (which npm test
// builds first) verifies with sha256sum -c and sha512sum -c, holds exactly dist/bin as ./ names
// owned by root with the built modes and cnitool still a link, and the plugins run from a
// directory it was extracted into. Only the host's target: the other one is a cross-compile that
// downloads Bun's runtime for it from the npm registry, which CI's `npm run release` does.
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_VERSIONS } from '../lib/cni/version.ts';
import { DIST_BIN } from '../lib/testing/plugin-runner.ts';
// @ts-expect-error release.mjs is plain JavaScript without declarations
import { packPluginDir, releaseMtime, releaseVersion, tarballName } from './release.mjs';

const root = join(import.meta.dirname, '..');
const TARGET = process.arch === 'arm64' ? 'linux-arm64' : 'linux-x64';
const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? { PATH: SYSTEM_PATH }, input: opts.input ?? '', encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `tar --list --verbose` of a tarball: name -> [mode string, owner, mtime-ish text, link target]. */
function listing(tgz: string): { mode: string; owner: string; name: string; link?: string }[] {
  const r = run('tar', ['--list', '--verbose', '--numeric-owner', '--file', tgz], { env: { PATH: SYSTEM_PATH, LC_ALL: 'C', TZ: 'UTC' } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [mode, owner, , , , ...rest] = line.split(/\s+/);
      const [name, link] = rest.join(' ').split(' -> ');
      return { mode: mode as string, owner: owner as string, name: name as string, ...(link === undefined ? {} : { link }) };
    });
}

/** ls -l's permission string of a file mode (for comparing with tar's listing). */
function modeString(mode: number, kind: 'd' | '-' | 'l'): string {
  const bits = 'rwxrwxrwx';
  return kind + [...bits].map((c, i) => (mode & (0o400 >> i) ? c : '-')).join('');
}

describe('npm run release', () => {
  let dir: string;
  let tgz: string;
  let name: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnits-release-'));
    // the command line of `npm run release`, on the already built directory
    const r = run(process.execPath, [join(root, 'scripts', 'release.mjs'), '--target', TARGET, '--from', DIST_BIN, '--out', join(dir, 'out')], {
      env: { PATH: process.env.PATH ?? SYSTEM_PATH },
    });
    expect(r.status, r.stderr).toBe(0);
    name = tarballName(TARGET);
    tgz = join(dir, 'out', name);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the tarball cni-ts-linux-<arch>-v<version>.tgz and writes the two checksum files beside it', () => {
    expect(name).toBe(`cni-ts-linux-${TARGET === 'linux-x64' ? 'amd64' : 'arm64'}-v${releaseVersion()}.tgz`);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual([name, `${name}.sha256`, `${name}.sha512`]);
  });

  it('has checksum files that sha256sum -c and sha512sum -c accept, and that reject a changed tarball', () => {
    const out = join(dir, 'out');
    for (const tool of ['sha256sum', 'sha512sum']) {
      const r = run(tool, ['-c', `${name}.${tool.slice(0, 6)}`], { cwd: out });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${name}: OK\n`);
    }
    // the same check against other bytes under the tarball's name must fail
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, name), 'not the release');
    writeFileSync(join(other, `${name}.sha256`), readFileSync(join(out, `${name}.sha256`)));
    expect(run('sha256sum', ['-c', `${name}.sha256`], { cwd: other }).status).not.toBe(0);
  });

  it('holds exactly dist/bin as ./ entries owned by 0:0, with the built modes, one mtime, and cnitool a relative link', () => {
    const entries = listing(tgz);
    expect(entries.map((e) => e.name).sort()).toEqual(['./', ...readdirSync(DIST_BIN).map((n) => `./${n}`)].sort());
    for (const e of entries) expect(e.owner, e.name).toBe('0/0');
    for (const e of entries.filter((x) => x.name !== './')) {
      const file = join(DIST_BIN, e.name.slice(2));
      const st = lstatSync(file);
      if (st.isSymbolicLink()) {
        expect(e.mode[0], e.name).toBe('l');
        continue;
      }
      expect(e.mode, e.name).toBe(modeString(st.mode & 0o755, '-'));
    }
    expect(entries.find((e) => e.name === './cnitool')?.link).toBe('cni-ts');
    const mtimes = run('tar', ['--list', '--full-time', '--verbose', '--file', tgz], { env: { PATH: SYSTEM_PATH, LC_ALL: 'C', TZ: 'UTC' } });
    const stamps = new Set(mtimes.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(3, 5).join(' ')));
    const expected = new Date(releaseMtime() * 1000).toISOString().replace('T', ' ').slice(0, 19);
    expect([...stamps]).toEqual([expected]);
  });

  it('runs from the extracted directory: a plugin answers VERSION through its front, and the executable behind it runs', () => {
    const x = join(dir, 'x');
    mkdirSync(x);
    expect(run('tar', ['-xzf', tgz, '-C', x]).status).toBe(0);
    expect(lstatSync(join(x, 'cnitool')).isSymbolicLink()).toBe(true);
    const version = run('./loopback', [], { cwd: x, env: { PATH: SYSTEM_PATH, CNI_COMMAND: 'VERSION' } });
    expect(version.status, version.stderr).toBe(0);
    expect(JSON.parse(version.stdout).supportedVersions).toEqual(SUPPORTED_VERSIONS);
    // any other command is the executable's: a missing CNI_CONTAINERID is its error 4 (bad environment)
    const add = run('./loopback', [], {
      cwd: x,
      env: { PATH: SYSTEM_PATH, CNI_COMMAND: 'ADD', CNI_IFNAME: 'lo', CNI_NETNS: '/proc/self/ns/net', CNI_PATH: x },
      input: '{"cniVersion":"1.0.0","name":"n","type":"loopback"}',
    });
    expect(add.status).not.toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ code: 4 });
    const help = run('./cnitool', ['--help'], { cwd: x });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage:');
    // and the same with the directory's own VERSION through cnitool (cnitool -> cni-ts -> front)
    const v = run(join(x, 'cnitool'), ['version', 'loopback'], { env: { PATH: SYSTEM_PATH, CNI_PATH: x } });
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain(`loopback: ${SUPPORTED_VERSIONS.join(', ')}`);
  });

  it('is reproducible: the same directory packs to the same bytes whatever its files\' mtimes and the umask left', () => {
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'cni-ts'), 'binary');
    writeFileSync(join(src, 'loopback'), '#!/bin/sh\n');
    chmodSync(join(src, 'cni-ts'), 0o775);
    chmodSync(join(src, 'loopback'), 0o755);
    symlinkSync('cni-ts', join(src, 'cnitool'));
    const first = packPluginDir(src, TARGET, join(dir, 'r1'), { version: '9.9.9', mtime: 1_700_000_000 });
    utimesSync(join(src, 'loopback'), new Date(), new Date());
    utimesSync(join(src, 'cni-ts'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = packPluginDir(src, TARGET, join(dir, 'r2'), { version: '9.9.9', mtime: 1_700_000_000 });
    expect(readFileSync(second).equals(readFileSync(first))).toBe(true);
    expect(readFileSync(`${second}.sha512`, 'utf8')).toBe(readFileSync(`${first}.sha512`, 'utf8'));
    // group write dropped: 0775 in the checkout is 0755 in the tarball
    expect(listing(first).find((e) => e.name === './cni-ts')?.mode).toBe('-rwxr-xr-x');
    // and a different mtime is different bytes (the check above can fail)
    const third = packPluginDir(src, TARGET, join(dir, 'r3'), { version: '9.9.9', mtime: 1_700_000_001 });
    expect(readFileSync(third).equals(readFileSync(first))).toBe(false);
    expect(statSync(third).size).toBeGreaterThan(0);
  });
});
