import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ipamClient, isOurHostLocal } from './client.ts';

describe('isOurHostLocal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnits-ipam-'));
  const other = mkdtempSync(join(tmpdir(), 'cnits-ipam-'));
  // dist/bin's layout: one binary, host-local a link to it
  const self = join(dir, 'cni-ts');
  writeFileSync(self, '\x7fELF our binary', { mode: 0o755 });
  symlinkSync('cni-ts', join(dir, 'host-local'));
  writeFileSync(join(other, 'host-local'), '\x7fELF go binary', { mode: 0o755 });
  afterAll(() => {
    rmSync(dir, { recursive: true });
    rmSync(other, { recursive: true });
  });

  it('runs our own build in process, found through CNI_PATH in order', () => {
    expect(isOurHostLocal('host-local', [dir], self)).toBe(true);
    expect(isOurHostLocal('host-local', [other, dir], self)).toBe(false);
    expect(isOurHostLocal('host-local', ['/nonexistent', dir], self)).toBe(true);
  });
  it('delegates a copy of our binary that is not this executable (another build may differ)', () => {
    expect(isOurHostLocal('host-local', [dir], join(other, 'host-local'))).toBe(false);
  });
  it('delegates any other IPAM, another host-local, or one that is not found', () => {
    expect(isOurHostLocal('static', [dir], self)).toBe(false);
    expect(isOurHostLocal('host-local', [other], self)).toBe(false);
    expect(isOurHostLocal('host-local', ['/nonexistent'], self)).toBe(false);
  });
});

describe('ipamClient: a type that cannot name a plugin (issue 17)', () => {
  it.each(['../x', '/bin/sh', 'a b', 'a;id'])('refuses %j with code 7 before anything is executed', (type) => {
    expect(() => ipamClient(type, ['/nonexistent'])).toThrow(expect.objectContaining({ code: 7 }));
  });
});
