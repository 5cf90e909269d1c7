import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error build.mjs is plain JavaScript without declarations
import { buildAll } from '../build.mjs';

const PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];
const cacheOf = (dir: string, name: string): string => join(dir, 'cni-ts', `${name}.cjs.${process.version}-${process.arch}.v8`);

function run(argv: string[], env: Record<string, string>, input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(argv[0] as string, argv.slice(1), { input, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('build.mjs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cnits-build-'));
    await buildAll({ quiet: true, outDir: join(dir, 'bin') });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an executable per plugin and cnitool, each with its bundle and a code cache for this Node', () => {
    for (const name of [...PLUGINS, 'cnitool']) {
      expect(readFileSync(join(dir, 'bin', name), 'utf8')).toMatch(/^#!\/bin\/sh\n/);
      expect(existsSync(join(dir, 'bin', 'cni-ts', `${name}.cjs`)), name).toBe(true);
      expect(existsSync(cacheOf(join(dir, 'bin'), name)), name).toBe(true);
    }
  });

  it.each(PLUGINS)('%s answers VERSION from sh alone, without starting Node', (name) => {
    const r = run([join(dir, 'bin', name)], { CNI_COMMAND: 'VERSION', CNI_TS_NODE: '/nonexistent/node' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).supportedVersions).toContain('1.1.0');
  });

  it.each(PLUGINS)('%s runs under Node with its code cache accepted', (name) => {
    const r = run([process.execPath, join(dir, 'bin', name)], { CNI_COMMAND: 'VERSION', CNI_TS_DEBUG: '1' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).cniVersion).toBe('1.1.0');
    expect(r.stderr).not.toContain('no code cache');
  });

  it('still runs, compiling as usual, when the cache does not fit (another Node, a damaged file)', () => {
    const copy = join(dir, 'damaged');
    cpSync(join(dir, 'bin'), copy, { recursive: true });
    truncateSync(cacheOf(copy, 'loopback'), 1000);
    const r = run([process.execPath, join(copy, 'loopback')], { CNI_COMMAND: 'VERSION', CNI_TS_DEBUG: '1' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).cniVersion).toBe('1.1.0');
    expect(r.stderr).toContain('no code cache');
  });

  it('works from a copy of the directory, and a lone executable says what is missing as a CNI error', () => {
    const copy = join(dir, 'copy');
    cpSync(join(dir, 'bin'), copy, { recursive: true });
    const ok = run([join(copy, 'loopback')], { CNI_COMMAND: 'ADD' }, '{}');
    expect(JSON.parse(ok.stdout).code).toBe(4); // got past the loader to the CNI env checks
    const lone = join(dir, 'lone');
    cpSync(join(dir, 'bin'), lone, { recursive: true });
    rmSync(join(lone, 'cni-ts'), { recursive: true });
    writeFileSync(join(lone, 'unused'), '');
    const r = run([join(lone, 'portmap')], { CNI_COMMAND: 'ADD' }, '{}');
    expect(r.status).toBe(1);
    const err = JSON.parse(r.stdout);
    expect(err.code).toBe(999);
    expect(err.msg).toContain('install the whole directory');
  });
});
