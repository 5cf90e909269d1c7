import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupRoots, existingRuntimeCgroups, removeCgroupTree, runtimeCgroupNames } from './cgroups.ts';

describe('runtime cgroup directories', () => {
  let base = '';
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('finds the runtime directories in every hierarchy and removes a tree deepest first', () => {
    base = mkdtempSync(join(tmpdir(), 'cnits-e2e-cg-'));
    for (const ctl of ['memory', 'pids']) {
      mkdirSync(join(base, ctl, 'libpod_parent', 'conmon'), { recursive: true });
      writeFileSync(join(base, ctl, 'cgroup.procs'), '');
    }
    mkdirSync(join(base, 'not-a-hierarchy'));
    expect(cgroupRoots(base)).toEqual([base, join(base, 'memory'), join(base, 'pids')]);
    const names = runtimeCgroupNames('ns1');
    expect(names).toEqual(['libpod_parent', 'ns1']);
    expect(existingRuntimeCgroups(names, base)).toEqual([join(base, 'memory', 'libpod_parent'), join(base, 'pids', 'libpod_parent')]);
    removeCgroupTree(join(base, 'memory', 'libpod_parent'));
    expect(existingRuntimeCgroups(names, base)).toEqual([join(base, 'pids', 'libpod_parent')]);
  });
});
