import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCnitool } from './cli.ts';

// inspect's and doctor's failures before they look at the node: exit 2 for usage and
// configuration problems, one clear line on stderr, and with --json a JSON document on stdout.

const dir = mkdtempSync(join(tmpdir(), 'cnits-nodeverbs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCnitool(argv, { env: { NETCONFPATH: dir, CNI_CACHE_DIR: join(dir, 'cache'), ...env }, cwd: dir, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('inspect and doctor: usage and configuration problems', () => {
  it.each([
    [['doctor', '--json'], { NETCONFPATH: join(dir, 'missing') }, 'does not exist'],
    [['inspect', '--json'], {}, 'no usable network configuration'],
    [['doctor', '--json', 'a', 'b'], {}, 'unexpected argument "b"'],
    [['inspect', '--json', '--human'], {}, '--json and --human cannot be used together'],
    [['doctor', '--json', '--for-downgrade'], {}, '--for-downgrade only goes with --fix'],
  ])('%j: exit 2, JSON error on stdout', async (argv, env, message) => {
    const r = await run(argv, env);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ version: 1, error: expect.stringContaining(message) });
    expect(r.stderr).toContain(message);
  });

  it('an unknown network is a configuration problem; without --json only stderr speaks', async () => {
    writeFileSync(join(dir, '10-a.conflist'), JSON.stringify({ cniVersion: '1.1.0', name: 'a', plugins: [{ type: 'bridge' }] }));
    const r = await run(['doctor', 'zzz']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `cnitool doctor: no network "zzz" in ${dir}\n` });
    rmSync(join(dir, '10-a.conflist'));
  });
});
