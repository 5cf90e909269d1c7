import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pluginFront } from '../cni/plugin-front.ts';
import { ipamClient, isOurHostLocal } from './client.ts';

describe('isOurHostLocal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnits-ipam-'));
  const other = mkdtempSync(join(tmpdir(), 'cnits-ipam-'));
  // dist/bin's former layout: one binary, host-local a link to it (a link still counts)
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
  it('runs in process through dist/bin\'s sh front of host-local beside this executable, and only that front', () => {
    const fronted = mkdtempSync(join(tmpdir(), 'cnits-ipam-'));
    try {
      const binary = join(fronted, 'cni-ts');
      writeFileSync(binary, '\x7fELF our binary', { mode: 0o755 });
      writeFileSync(join(fronted, 'host-local'), pluginFront('host-local'), { mode: 0o755 });
      expect(isOurHostLocal('host-local', [fronted], binary)).toBe(true);
      expect(isOurHostLocal('host-local', [fronted], self)).toBe(false); // beside another executable
      writeFileSync(join(fronted, 'host-local'), pluginFront('bridge'), { mode: 0o755 });
      expect(isOurHostLocal('host-local', [fronted], binary)).toBe(false); // not host-local's front
      writeFileSync(join(fronted, 'host-local'), `${pluginFront('host-local')}echo changed\n`, { mode: 0o755 });
      expect(isOurHostLocal('host-local', [fronted], binary)).toBe(false); // edited: run it as it is
    } finally {
      rmSync(fronted, { recursive: true });
    }
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
