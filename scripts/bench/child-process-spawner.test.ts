import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecError, PluginError, createExec } from '../../lib/invoke/index.ts';
import { childProcessSpawner } from './child-process-spawner.ts';

let dir: string;
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', CNI_COMMAND: 'ADD', CNI_X: 'y' };

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-cpspawn-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('childProcessSpawner under createExec', () => {
  function exec(stderr: string[] = []) {
    return createExec({ spawner: childProcessSpawner(), stderr: (c) => stderr.push(c.toString()), sleep: (ms) => new Promise((r) => setTimeout(r, ms / 20)) });
  }

  it('feeds stdin, passes exactly the given env, returns stdout and forwards stderr', async () => {
    const p = script('echo', 'cat; echo " $CNI_COMMAND $CNI_X ${HOME:-nohome}"; echo err >&2');
    const stderr: string[] = [];
    const out = await exec(stderr).execPlugin(p, Buffer.from('{"a":1}'), ENV);
    expect(out.toString()).toBe('{"a":1} ADD y nohome\n');
    expect(stderr.join('')).toBe('err\n');
  });

  it('turns a non-zero exit with error JSON into a PluginError', async () => {
    const p = script('fail', 'echo \'{"code":7,"msg":"invalid config","details":"key x"}\'; exit 1');
    await expect(exec().execPlugin(p, Buffer.alloc(0), ENV)).rejects.toMatchObject({
      constructor: PluginError,
      code: 7,
      msg: 'invalid config',
      details: 'key x',
      exitCode: 1,
      pluginType: 'fail',
    });
  });

  it('reports a missing executable as ExecError "spawn"', async () => {
    await expect(exec().execPlugin(join(dir, 'missing'), Buffer.alloc(0), ENV)).rejects.toMatchObject({
      constructor: ExecError,
      reason: 'spawn',
      errno: 'ENOENT',
    });
  });

  it('kills a plugin that exceeds the timeout', async () => {
    const p = script('slow', 'sleep 5');
    const t = Date.now();
    await expect(exec().execPlugin(p, Buffer.alloc(0), ENV, { timeoutMs: 100 })).rejects.toMatchObject({ reason: 'timeout' });
    expect(Date.now() - t).toBeLessThan(3000);
  });

  it('kills the plugin when the signal aborts', async () => {
    const p = script('slow2', 'sleep 5');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const t = Date.now();
    await expect(exec().execPlugin(p, Buffer.alloc(0), ENV, { signal: controller.signal })).rejects.toMatchObject({ reason: 'aborted' });
    expect(Date.now() - t).toBeLessThan(3000);
  });

  it('retries a binary that is open for writing (real ETXTBSY) until it is released', async () => {
    const p = script('busy', 'echo ready');
    const fd = openSync(p, 'r+');
    setTimeout(() => closeSync(fd), 120); // the retry delay is scaled down to 50 ms in this test
    const out = await exec().execPlugin(p, Buffer.alloc(0), ENV);
    expect(out.toString()).toBe('ready\n');
  });

  it('does not hang when a grandchild keeps the output pipes open after the plugin exited', async () => {
    const p = script('daemonish', 'sleep 3 & echo started');
    const t = Date.now();
    const out = await createExec({ spawner: childProcessSpawner(), stderr: false }).execPlugin(p, Buffer.alloc(0), ENV);
    expect(out.toString()).toBe('started\n');
    expect(Date.now() - t).toBeLessThan(2500);
  });
});
