import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecError, PluginError } from './errors.ts';
import { createExec } from './exec.ts';
import { posixSpawner } from './posix-spawn.ts';

let dir: string;
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', CNI_COMMAND: 'ADD', CNI_X: 'y' };

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function exec(stderr: string[] = []) {
  return createExec({ spawner: posixSpawner(), stderr: (c) => stderr.push(c.toString()), sleep: (ms) => new Promise((r) => setTimeout(r, ms / 20)) });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-posixspawn-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('posixSpawner', () => {
  it('feeds stdin, passes exactly the given env and argv[0], returns stdout and stderr', async () => {
    const p = script('echo', 'cat; echo " $CNI_COMMAND $CNI_X ${HOME:-nohome} $0"; echo err >&2');
    const out = await posixSpawner()({ path: p, stdin: Buffer.from('{"a":1}'), env: ENV });
    expect(out).toEqual({
      stdout: Buffer.from(`{"a":1} ADD y nohome ${p}\n`),
      stderr: Buffer.from('err\n'),
      exitCode: 0,
      spawnError: undefined,
      spawnMessage: undefined,
      timedOut: false,
      aborted: false,
    });
  });

  it('is the default spawner of createExec', async () => {
    const p = script('default', 'echo default');
    expect((await createExec({ stderr: false }).execPlugin(p, Buffer.alloc(0), ENV)).toString()).toBe('default\n');
  });

  it('forwards stderr under createExec and turns an error exit into a PluginError', async () => {
    const stderr: string[] = [];
    expect((await exec(stderr).execPlugin(script('ok', 'echo out; echo warn >&2'), Buffer.alloc(0), ENV)).toString()).toBe('out\n');
    expect(stderr).toEqual(['warn\n']);
    const p = script('fail', 'echo \'{"code":7,"msg":"invalid config","details":"key x"}\'; exit 1');
    await expect(exec().execPlugin(p, Buffer.alloc(0), ENV)).rejects.toMatchObject({
      constructor: PluginError,
      code: 7,
      msg: 'invalid config',
      exitCode: 1,
      pluginType: 'fail',
    });
  });

  it('reports start failures by errno name', async () => {
    const missing = await posixSpawner()({ path: join(dir, 'missing'), stdin: Buffer.alloc(0), env: ENV });
    expect(missing).toMatchObject({ spawnError: 'ENOENT', exitCode: undefined });
    expect(missing.spawnMessage).toMatch(/no such file/);
    const plain = join(dir, 'plain');
    writeFileSync(plain, 'echo\n');
    chmodSync(plain, 0o644);
    await expect(exec().execPlugin(plain, Buffer.alloc(0), ENV)).rejects.toMatchObject({ constructor: ExecError, reason: 'spawn', errno: 'EACCES' });
  });

  it('retries a binary that is open for writing (real ETXTBSY) until it is released', async () => {
    const p = script('busy', 'echo ready');
    const fd = openSync(p, 'r+');
    const first = await posixSpawner()({ path: p, stdin: Buffer.alloc(0), env: ENV });
    expect(first.spawnError).toBe('ETXTBSY');
    setTimeout(() => closeSync(fd), 120); // the retry delay is scaled down to 50 ms in this test
    expect((await exec().execPlugin(p, Buffer.alloc(0), ENV)).toString()).toBe('ready\n');
  });

  it('kills a plugin that exceeds the timeout', async () => {
    const p = script('slow', 'exec sleep 5');
    const t = Date.now();
    const out = await posixSpawner()({ path: p, stdin: Buffer.alloc(0), env: ENV, timeoutMs: 100 });
    expect(out).toMatchObject({ timedOut: true, aborted: false, exitCode: undefined });
    expect(Date.now() - t).toBeLessThan(1500);
    await expect(exec().execPlugin(p, Buffer.alloc(0), ENV, { timeoutMs: 100 })).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('does not wait for grandchildren after a timeout kill', async () => {
    const p = script('slow-parent', 'sleep 3 & echo $! >&2; sleep 5');
    const t = Date.now();
    const out = await posixSpawner()({ path: p, stdin: Buffer.alloc(0), env: ENV, timeoutMs: 150 });
    expect(out.timedOut).toBe(true);
    expect(Date.now() - t).toBeLessThan(1000);
    const grandchild = Number(out.stderr.toString().trim());
    if (grandchild > 0) process.kill(grandchild, 'SIGKILL'); // the sleep this test started
  });

  it('kills the plugin when the signal aborts, and starts nothing for an aborted signal', async () => {
    const p = script('slow2', 'exec sleep 5');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const t = Date.now();
    await expect(exec().execPlugin(p, Buffer.alloc(0), ENV, { signal: controller.signal })).rejects.toMatchObject({ reason: 'aborted' });
    expect(Date.now() - t).toBeLessThan(1500);
    const out = await posixSpawner()({ path: p, stdin: Buffer.alloc(0), env: ENV, signal: AbortSignal.abort() });
    expect(out).toMatchObject({ aborted: true, exitCode: undefined, spawnError: undefined });
  });

  it('does not hang when a grandchild keeps the output pipes open after the plugin exited', async () => {
    const p = script('daemonish', 'sleep 3 & echo $! >&2; echo started');
    const t = Date.now();
    const out = await posixSpawner()({ path: p, stdin: Buffer.alloc(0), env: ENV });
    const elapsed = Date.now() - t;
    const grandchild = Number(out.stderr.toString().trim());
    if (grandchild > 0) process.kill(grandchild, 'SIGKILL');
    expect(out).toMatchObject({ exitCode: 0, timedOut: false });
    expect(out.stdout.toString()).toBe('started\n');
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2500);
  });
});
