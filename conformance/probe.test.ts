import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectImpl } from './probe.ts';

const dir = mkdtempSync(join(tmpdir(), 'cnits-conf-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, ...parts: (string | Buffer)[]): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p))));
  return path;
}

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
const MODULE = 'path\tgithub.com/containernetworking/plugins/plugins/main/loopback\n';

describe('detectImpl', () => {
  it('knows a Go build of containernetworking/plugins by its build information and module path', () => {
    expect(detectImpl(file('go', ELF, '\0\0\xff Go buildinf:\x08\x02\0\0', MODULE))).toBe('go');
  });

  it('does not take an executable that only mentions the module path (our iptables comment) for a Go build', () => {
    expect(detectImpl(file('bun', ELF, 'var _s = "Masquerading for plugins from github.com/containernetworking/plugins";'))).toBe('other');
    expect(detectImpl(file('other-go', ELF, '\xff Go buildinf:', 'path\texample.com/cni\n'))).toBe('other');
    expect(detectImpl(file('script', '#!/bin/sh\n# \xff Go buildinf: ', MODULE))).toBe('other');
    expect(detectImpl(join(dir, 'missing'))).toBe('other');
  });
});
