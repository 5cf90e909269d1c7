import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { GO_SBR, type SbrEnv, createSbrEnv } from './test-env.ts';

// Debian's Go sbr (1.1.1: no `table` key, spec up to 1.0.0) and ours in the same kind of pod:
// the same rules and tables from either ADD; either's DEL removes the other's rules; our CHECK
// accepts Go's ADD; and Go's lock on the namespace file and ours exclude each other.

const DUAL = ['10.96.0.0/24', 'fd96::/64'];

describe.skipIf(!isRoot() || !existsSync(GO_SBR))('sbr: interop with the Go plugin', () => {
  let env: SbrEnv;
  beforeAll(() => {
    env = createSbrEnv('sbrio');
  });
  afterAll(() => {
    env?.dispose();
    removeAllNamespaces();
  });

  it('ADD by Go and by ours leave the same rules and tables', async () => {
    const seen: string[][][] = [];
    for (const binary of [GO_SBR, undefined]) {
      const pod = env.pod(binary ? 'same-go' : 'same-ours');
      const a = await env.attach(pod, { network: binary ? 'samego' : 'sameours', subnets: DUAL });
      const add = await env.run('ADD', env.conf(a), a, binary ? { binary } : {});
      expect(add.code, add.stdout + add.stderr).toBe(0);
      // Go's prints prevResult with an empty "dns" added
      expect({ dns: {}, ...add.json }).toEqual({ dns: {}, ...a.prevResult });
      seen.push([env.rules(pod), env.table(pod, 100), env.table(pod, 101), env.table(pod, 'main')]);
      expect((await env.run('DEL', env.conf(a), a)).code).toBe(0);
      await env.detach(a);
    }
    expect(seen[0]?.[0]).toEqual(['10.96.0.2 lookup 100', 'fd96::2 lookup 101']);
    expect(seen[1]).toEqual(seen[0]);
  });

  for (const [adder, deleter] of [['Go', 'ours'], ['ours', 'Go']] as const) {
    it(`ADD by ${adder}, CHECK by ours, DEL by ${deleter}: the rules go`, async () => {
      const binary = (who: string) => (who === 'Go' ? { binary: GO_SBR } : {});
      const pod = env.pod(`${adder}-${deleter}`.toLowerCase());
      const a = await env.attach(pod, { network: `${adder}${deleter}`.toLowerCase(), subnets: DUAL });
      const add = await env.run('ADD', env.conf(a), a, binary(adder));
      expect(add.code, add.stdout).toBe(0);
      expect(env.rules(pod)).toHaveLength(2);
      const check = await env.run('CHECK', env.conf(a), a);
      expect(check.code, check.stdout).toBe(0);
      const del = await env.run('DEL', env.conf(a), a, binary(deleter));
      expect(del.code, del.stdout).toBe(0);
      expect(env.rules(pod)).toEqual([]);
      if (deleter === 'ours') expect([env.table(pod, 100), env.table(pod, 101)]).toEqual([[], []]);
      await env.detach(a);
    });
  }

  it('waits for a flock on the namespace file, the lock Go\'s sbr takes, before it reads the tables', async () => {
    const pod = env.pod('lock');
    const a = await env.attach(pod, { network: 'lock', subnets: DUAL });
    // util-linux flock takes the same kind of lock on the same file as Go's filemutex
    const holder = spawn('flock', ['-x', pod.path, 'sleep', '1.5'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const add = await env.run('ADD', env.conf(a), a);
      expect(add.code, add.stdout).toBe(0);
      expect(add.ms).toBeGreaterThan(900);
    } finally {
      holder.kill();
    }
    expect((await env.run('DEL', env.conf(a), a)).code).toBe(0);
    await env.detach(a);
  });

  it('Go\'s DEL of a vanished namespace fails where ours succeeds (the reference\'s bug, kept out of ours)', async () => {
    const pod = env.pod('gone');
    const a = await env.attach(pod, { network: 'gone', subnets: DUAL });
    await env.detach(a);
    pod.remove();
    const ours = await env.run('DEL', env.conf(a), a);
    expect(ours.code, ours.stdout).toBe(0);
    expect(existsSync(pod.path)).toBe(false);
    const go = await env.run('DEL', env.conf(a), a, { binary: GO_SBR });
    try {
      expect(go.code).toBe(1);
      expect(go.json.msg).toMatch(/unknown FS magic/);
      expect(existsSync(pod.path)).toBe(true); // the empty file Go's lock created
    } finally {
      rmSync(pod.path, { force: true });
    }
  });
});
