import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SysError } from './errors.ts';
import { CLONE_NEWNET, namespaceType } from './ns.ts';
import { NSFS_MAGIC, PROC_SUPER_MAGIC, fstatfsType, statfsType } from './statfs.ts';

describe('statfsType', () => {
  it('reports procfs for /proc', () => {
    expect(statfsType('/proc')).toBe(PROC_SUPER_MAGIC);
  });

  it('follows the /proc/self/ns/net symlink to nsfs', () => {
    expect(statfsType('/proc/self/ns/net')).toBe(NSFS_MAGIC);
  });

  it('throws SysError ENOENT for a missing path', () => {
    const missing = path.join(os.tmpdir(), `cnits-missing-${process.pid}-${Date.now()}`);
    expect(() => statfsType(missing)).toThrow(SysError);
    try {
      statfsType(missing);
    } catch (err) {
      expect((err as SysError).code).toBe('ENOENT');
      expect((err as SysError).message).toContain(missing);
    }
  });
});

describe('fstatfsType and namespaceType', () => {
  it('identify an open netns file as an nsfs network namespace', () => {
    const fd = fs.openSync('/proc/self/ns/net', 'r');
    try {
      expect(fstatfsType(fd)).toBe(NSFS_MAGIC);
      expect(namespaceType(fd)).toBe(CLONE_NEWNET);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('namespaceType rejects a regular file with ENOTTY', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnits-sys-'));
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, 'x');
    const fd = fs.openSync(file, 'r');
    try {
      expect(fstatfsType(fd)).not.toBe(NSFS_MAGIC);
      expect(() => namespaceType(fd)).toThrow(expect.objectContaining({ code: 'ENOTTY' }));
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true });
    }
  });
});
