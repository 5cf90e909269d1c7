import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginFront } from '../lib/cni/plugin-front.ts';
// @ts-expect-error build.mjs is plain JavaScript without declarations
import { BINARY, PROGRAMS, buildAll } from '../build.mjs';

const PLUGINS = (PROGRAMS as string[]).filter((p) => p !== 'cnitool');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs with only PATH set, and a PATH without Node: the executables must not need it. */
function run(argv: string[], env: Record<string, string>, opts: { input?: string; cwd?: string } = {}): Run {
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    input: opts.input ?? '',
    cwd: opts.cwd,
    encoding: 'utf8',
    env: { PATH: '/nonexistent', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('build.mjs', () => {
  let dir: string;
  let bin: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cnits-build-'));
    bin = join(dir, 'bin');
    await buildAll({ quiet: true, outDir: bin });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one binary, a sh front per plugin and a relative link for cnitool, so the directory is one binary in size', () => {
    expect(readdirSync(bin).sort()).toEqual([BINARY, ...PROGRAMS].sort());
    expect(lstatSync(join(bin, BINARY)).isFile()).toBe(true);
    expect(readlinkSync(join(bin, 'cnitool'))).toBe(BINARY);
    for (const name of PLUGINS) {
      expect(lstatSync(join(bin, name)).isFile(), name).toBe(true);
      expect(readFileSync(join(bin, name), 'utf8'), name).toBe(pluginFront(name));
      expect(statSync(join(bin, name)).mode & 0o777, name).toBe(0o755);
    }
    const size = statSync(join(bin, BINARY)).size;
    expect(size).toBeGreaterThan(50e6); // the Bun runtime is inside
    expect(size).toBeLessThan(140e6);
  });

  it.each(PLUGINS)('%s answers VERSION as the binary does, without starting it (issue 15: podman asks on every command)', (name) => {
    const copy = mkdtempSync(join(dir, 'stub-'));
    cpSync(bin, copy, { recursive: true, verbatimSymlinks: true });
    const started = join(copy, 'started');
    writeFileSync(join(copy, BINARY), `#!/bin/sh\n: > ${started}\nexit 1\n`, { mode: 0o755 });
    const fronted = run([join(copy, name)], { CNI_COMMAND: 'VERSION' }, { input: '{"cniVersion":"0.4.0"}' });
    expect(fronted.status).toBe(0);
    expect(existsSync(started)).toBe(false);
    expect(fronted.stdout).toBe(run([join(bin, BINARY), name], { CNI_COMMAND: 'VERSION' }).stdout);
  });

  it.each(PLUGINS)('%s answers VERSION with no Node.js on PATH', (name) => {
    const r = run([join(bin, name)], { CNI_COMMAND: 'VERSION' });
    expect(r.status).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.cniVersion).toBe('1.1.0');
    expect(v.supportedVersions).toEqual(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
  });

  it('runs cnitool, and a program named as the first argument of the binary itself', () => {
    expect(run([join(bin, 'cnitool'), '--help'], {}).stdout).toContain('cnitool');
    const r = run([join(bin, BINARY), 'loopback'], { CNI_COMMAND: 'VERSION' });
    expect(JSON.parse(r.stdout).cniVersion).toBe('1.1.0');
  });

  it('works from a copy of the directory, and from a lone copy of the binary named after a program (the binary holds everything)', () => {
    const copy = join(dir, 'copy');
    cpSync(bin, copy, { recursive: true, verbatimSymlinks: true });
    expect(JSON.parse(run([join(copy, 'loopback')], { CNI_COMMAND: 'ADD' }, { input: '{}' }).stdout).code).toBe(4); // reached the CNI env checks
    const lone = mkdtempSync(join(dir, 'lone-'));
    cpSync(join(bin, BINARY), join(lone, 'portmap'));
    for (const command of ['VERSION', 'ADD']) {
      const r = run([join(lone, 'portmap')], { CNI_COMMAND: command }, { input: '{}' });
      if (command === 'VERSION') expect(JSON.parse(r.stdout).supportedVersions).toContain('1.0.0');
      else expect(JSON.parse(r.stdout).code).toBe(4); // the binary itself, not a front: reached portmap
    }
  });

  it('started under a name it does not know: a CNI error naming the programs, exit 1', () => {
    const other = mkdtempSync(join(dir, 'other-'));
    // every reference plugin is ours now: a third-party name
    cpSync(join(bin, BINARY), join(other, 'flannel'));
    const r = run([join(other, 'flannel')], { CNI_COMMAND: 'ADD' }, { input: '{}' });
    expect(r.status).toBe(1);
    const err = JSON.parse(r.stdout);
    expect(err.code).toBe(999);
    expect(err.msg).toContain('"flannel"');
    for (const name of PROGRAMS as string[]) expect(err.msg).toContain(name);
  });

  it('cross-compiles the arm64 executable (its Bun runtime comes from the npm registry; the build checks the ELF machine)', async () => {
    const [out] = (await buildAll({ quiet: true, outDir: join(dir, 'arm64'), target: 'linux-arm64' })) as string[];
    const head = readFileSync(join(out as string, BINARY)).subarray(0, 20);
    expect(head.readUInt16LE(18)).toBe(183); // EM_AARCH64
    expect(readdirSync(out as string).sort()).toEqual([BINARY, ...PROGRAMS].sort());
  }, 300_000);

  it('ignores the Bun runtime variables and files a runtime environment may hold', () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    // Bun would load these from the working directory; the build turns that off.
    writeFileSync(join(cwd, '.env'), 'CNI_COMMAND=ADD\n');
    writeFileSync(join(cwd, 'bunfig.toml'), 'preload = ["./nonexistent.ts"]\n');
    // the binary itself: the loopback front would answer VERSION without starting it
    const plain = run([join(bin, BINARY), 'loopback'], { CNI_COMMAND: 'VERSION' }, { cwd });
    expect(plain.status).toBe(0);
    for (const env of [
      { BUN_BE_BUN: '1' }, // would turn the plugin into the Bun CLI
      { BUN_OPTIONS: '--version' }, // would prepend runtime flags
      { BUN_JSC_useJIT: '0', BUN_GARBAGE_COLLECTOR_LEVEL: '2' }, // engine tuning: restarted without
      { BUN_INSPECT: '127.0.0.1:1/x' },
    ]) {
      const r = run([join(bin, BINARY), 'loopback'], { CNI_COMMAND: 'VERSION', ...env }, { cwd });
      expect(r.status, JSON.stringify(env)).toBe(0);
      expect(r.stdout, JSON.stringify(env)).toBe(plain.stdout);
    }
  });

  it('a plugin restarted without BUN_* variables still reads its stdin and environment', () => {
    const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/nonexistent', CNI_IFNAME: 'lo', BUN_CONFIG_VERBOSE_FETCH: '1' };
    const r = run([join(bin, 'loopback')], env, { input: '{"cniVersion":"1.0.0","name":"n"' });
    expect(r.status).toBe(1);
    const err = JSON.parse(r.stdout);
    expect(err.code).toBe(6); // the truncated JSON on stdin reached the plugin
    expect(err.msg).toContain('error parsing network config');
  });
});
