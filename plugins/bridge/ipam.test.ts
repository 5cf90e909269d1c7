import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isOurHostLocal } from './ipam.ts';

describe('isOurHostLocal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnits-ipam-'));
  const other = mkdtempSync(join(tmpdir(), 'cnits-ipam-'));
  writeFileSync(join(dir, 'host-local'), "#!/bin/sh\n':' //; exec node \"$0\" # cni-ts-plugin\n", { mode: 0o755 });
  writeFileSync(join(other, 'host-local'), '\x7fELF go binary', { mode: 0o755 });
  afterAll(() => {
    rmSync(dir, { recursive: true });
    rmSync(other, { recursive: true });
  });

  it('runs our own build in process, found through CNI_PATH in order', () => {
    expect(isOurHostLocal('host-local', [dir])).toBe(true);
    expect(isOurHostLocal('host-local', [other, dir])).toBe(false);
    expect(isOurHostLocal('host-local', ['/nonexistent', dir])).toBe(true);
  });
  it('delegates any other IPAM, another host-local, or one that is not found', () => {
    expect(isOurHostLocal('static', [dir])).toBe(false);
    expect(isOurHostLocal('host-local', [other])).toBe(false);
    expect(isOurHostLocal('host-local', ['/nonexistent'])).toBe(false);
  });
});
