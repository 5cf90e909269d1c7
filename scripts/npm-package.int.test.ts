// The npm package as a user gets it: `npm pack` (whose prepack runs npm run build:npm), installed
// into a throwaway project, then used from there: each export imported and used by a small .mjs
// (createTestNode for a real throwaway node, so root: an integration test), the installed
// cnitool bin run, and tsc checking a small .ts against the shipped declarations.
//
// Offline: the project declares the package's dependencies (koffi, zod) and @types/node as
// `file:` links to this checkout's node_modules, so `npm install --offline <tarball>` finds every
// dependency already satisfied and fetches nothing (the package has no optional dependencies: the
// Bun runtime the build embeds is a dev dependency, through scripts/bun-runtime).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_VERSIONS } from '../lib/cni/version.ts';
import { DIST_BIN } from '../lib/testing/plugin-runner.ts';

const root = join(import.meta.dirname, '..');
const rootModules = realpathSync(join(root, 'node_modules'));

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', input: '' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tsc(project: string, config: string) {
  return run(process.execPath, [join(rootModules, 'typescript', 'bin', 'tsc'), '-p', config], { cwd: project });
}

/** What use.mjs does with each export; it prints one JSON object. */
const USE_MJS = `
import { CniRuntime, networkConfFromBytes } from 'cni-ts/runtime';
import { CniError, ErrorCode, parseCniArgs, parseVersion } from 'cni-ts/cni';
import { createTestNode } from 'cni-ts/testing';

const plugins = process.env.PLUGINS;
const out = { resolved: import.meta.resolve('cni-ts/runtime') };
out.list = networkConfFromBytes(Buffer.from('{"cniVersion":"1.0.0","name":"lo","plugins":[{"type":"loopback"}]}')).name;
out.version = parseVersion('1.0.0');
out.podName = parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=web').get('K8S_POD_NAME');
try {
  parseVersion('one');
} catch (e) {
  out.badVersion = e instanceof CniError && e.code === ErrorCode.DecodeFailure ? 'CniError decode' : String(e);
}
// a plugin run by the runtime's own spawner (posix_spawn through koffi, from the installed package)
const runtime = new CniRuntime({ pluginPaths: [plugins], cacheDir: process.env.STATE });
out.pluginVersions = (await runtime.getVersionInfo('loopback')).supportedVersions;
const node = createTestNode({ pluginPaths: [plugins] });
try {
  const pod = node.addPod();
  const list = node.network({ cniVersion: '1.0.0', name: 'lo', plugins: [{ type: 'loopback' }] });
  out.add = await node.add(list, pod, { ifname: 'lo' });
  await node.del(list, pod, { ifname: 'lo' });
} finally {
  node.cleanup();
}
console.log(JSON.stringify(out));
`;

/** Types from each export, used the way a program would. */
const CHECK_TS = `
import { CniRuntime, type NetworkConfigList, type RuntimeConf } from 'cni-ts/runtime';
import { CURRENT_VERSION, type CniErrorJson, type SpecVersion, parseVersion } from 'cni-ts/cni';
import { type TestNode, createTestNode } from 'cni-ts/testing';

const conf: RuntimeConf = { containerId: 'c1', netns: '/run/netns/x', ifname: 'eth0' };
const version: SpecVersion = CURRENT_VERSION;
const parts: [number, number, number] = parseVersion(version);
const error: CniErrorJson = { cniVersion: version, code: 7, msg: 'bad' };
export async function add(list: NetworkConfigList): Promise<unknown> {
  return new CniRuntime({ pluginPaths: ['/opt/cni/bin'] }).addNetworkList(list, conf);
}
export const make: () => TestNode = () => createTestNode({ pluginPaths: ['/opt/cni/bin'] });
export { error, parts };
`;

/** The same imports misused: tsc must reject it, or the check above proves nothing. */
const BAD_TS = `
import { CURRENT_VERSION } from 'cni-ts/cni';
import type { RuntimeConf } from 'cni-ts/runtime';

export const n: number = CURRENT_VERSION;
export const conf: RuntimeConf = { containerId: 'c1' };
`;

function tsconfig(files: string[]) {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      types: ['node'],
      // the shipped declarations are checked too, under a user's settings rather than ours
      skipLibCheck: false,
    },
    files,
  });
}

describe('the npm package (npm pack, installed offline into a new project)', () => {
  let dir: string;
  let project: string;
  let tarball: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnits-npm-'));
    const packed = run('npm', ['pack', '--pack-destination', dir], { cwd: root });
    expect(packed.status, packed.stderr).toBe(0);
    const tgz = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
    expect(tgz).toHaveLength(1);
    tarball = join(dir, tgz[0] as string);
    project = join(dir, 'project');
    mkdirSync(project);
    const link = (name: string) => `file:${join(rootModules, name)}`;
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'cnits-npm-user',
        private: true,
        type: 'module',
        dependencies: { koffi: link('koffi'), zod: link('zod'), '@types/node': link('@types/node') },
      }),
    );
    const installed = run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: project });
    expect(installed.status, installed.stderr).toBe(0);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the built JavaScript, the declarations and the schemas, not the sources or the native build', () => {
    const list = run('tar', ['--list', '--gzip', '--file', tarball]).stdout.trim().split('\n');
    for (const f of ['dist/npm/runtime.js', 'dist/npm/cni.js', 'dist/npm/testing.js', 'dist/npm/cnitool.js', 'dist/npm/types/lib/runtime/index.d.ts', 'dist/npm/types/lib/cni/index.d.ts', 'dist/npm/types/lib/testing/index.d.ts', 'schemas/bridge.json', 'package.json', 'README.md']) {
      expect(list, f).toContain(`package/${f}`);
    }
    expect(list.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(list.filter((f) => f.startsWith('package/dist/bin') || f.includes('node_modules') || f.endsWith('.test.js'))).toEqual([]);
  });

  it('installs with only koffi and zod as dependencies, nothing of the native build', () => {
    const pkg = run(process.execPath, ['-p', 'JSON.stringify(require("cni-ts/package.json"))'], { cwd: project });
    expect(pkg.status, pkg.stderr).toBe(0);
    const manifest = JSON.parse(pkg.stdout);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['koffi', 'zod']);
    expect(manifest.optionalDependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();
    expect(readdirSync(join(project, 'node_modules')).sort()).toEqual(['.bin', '.package-lock.json', '@types', 'cni-ts', 'koffi', 'zod']);
  });

  it('runs each export from the installed package: parsers, the runtime running a plugin, and a throwaway node with a loopback ADD and DEL', () => {
    writeFileSync(join(project, 'use.mjs'), USE_MJS);
    const r = run(process.execPath, ['use.mjs'], { cwd: project, env: { PATH: process.env.PATH, PLUGINS: DIST_BIN, STATE: join(dir, 'state') } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.resolved).toBe(`file://${realpathSync(project)}/node_modules/cni-ts/dist/npm/runtime.js`);
    expect(out.list).toBe('lo');
    expect(out.version).toEqual([1, 0, 0]);
    expect(out.podName).toBe('web');
    expect(out.badVersion).toBe('CniError decode');
    expect(out.pluginVersions).toEqual(SUPPORTED_VERSIONS);
    expect(out.add.cniVersion).toBe('1.0.0');
    expect(out.add.interfaces.map((i: { name: string }) => i.name)).toEqual(['lo']);
    expect(out.add.ips.map((i: { address: string }) => i.address)).toContain('127.0.0.1/8');
  }, 120_000);

  it('installs cnitool as a bin that runs on Node', () => {
    const cnitool = join(project, 'node_modules', '.bin', 'cnitool');
    const help = run(cnitool, ['--help'], { cwd: project });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage:');
    const version = run(cnitool, ['version', 'loopback'], { env: { PATH: process.env.PATH, CNI_PATH: DIST_BIN } });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toBe(`loopback: ${SUPPORTED_VERSIONS.join(', ')}\n`);
  });

  it('gives TypeScript users the declarations: a correct use type-checks and a wrong one does not', () => {
    // one tsc run over both files (tsc is the slow part): errors in bad.ts only, none in check.ts
    writeFileSync(join(project, 'check.ts'), CHECK_TS);
    writeFileSync(join(project, 'bad.ts'), BAD_TS);
    writeFileSync(join(project, 'tsconfig.json'), tsconfig(['check.ts', 'bad.ts']));
    const r = tsc(project, 'tsconfig.json');
    expect(r.status).not.toBe(0);
    const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(errors.filter((l) => !l.startsWith('bad.ts(')), r.stdout).toEqual([]);
    expect(errors.join('\n')).toMatch(/bad\.ts\(5,14\): error TS2322: Type 'string' is not assignable to type 'number'/);
    expect(errors.join('\n')).toMatch(/bad\.ts\(6,14\): error TS2739: Type '\{ containerId: string; \}' is missing the following properties .*: netns, ifname/);
    expect(errors).toHaveLength(2);
  }, 180_000);
});
