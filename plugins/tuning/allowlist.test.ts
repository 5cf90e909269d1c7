import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowlistPath, checkAllowed, parseAllowlist, readAllowlist } from './allowlist.ts';

const key = (k: string) => ({ key: k, source: 'sysctl' });

describe('sysctl allowlist', () => {
  it('is /etc/cni/tuning/allowlist.conf unless the test variable names another', () => {
    expect(allowlistPath({})).toBe('/etc/cni/tuning/allowlist.conf');
    expect(allowlistPath({ CNI_TS_TUNING_ALLOWLIST: '/tmp/a' })).toBe('/tmp/a');
  });

  it('matches unanchored, as Go\'s regexp.MatchString does', () => {
    const list = parseAllowlist('  ^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$\n\nsomaxconn\n', 'f');
    expect(list.map((e) => e.line)).toEqual(['^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$', 'somaxconn']);
    expect(() => checkAllowed([key('net.ipv4.conf.IFNAME.arp_filter'), key('net.core.somaxconn')], list, 'f')).not.toThrow();
    expect(() => checkAllowed([key('net.ipv4.ip_forward')], list, 'f')).toThrow(/sysctl "net.ipv4.ip_forward" \(sysctl\) is not allowed/);
  });

  it('understands a leading (?i) and \\A \\z of RE2', () => {
    const list = parseAllowlist('(?i)\\Anet\\.CORE\\.somaxconn\\z', 'f');
    expect(() => checkAllowed([key('net.core.somaxconn')], list, 'f')).not.toThrow();
    expect(() => checkAllowed([key('xnet.core.somaxconn')], list, 'f')).toThrow();
  });

  it('refuses a line that is no expression with code 7 naming file and line', () => {
    expect(() => parseAllowlist('ok\n(unclosed', '/a')).toThrow(expect.objectContaining({ code: 7, msg: 'invalid sysctl allowlist /a line 2 "(unclosed"' }));
  });

  it('is absent (everything allowed) when the file is missing, and read when present', () => {
    const d = mkdtempSync(join(tmpdir(), 'tuning-allow-'));
    try {
      expect(readAllowlist(join(d, 'none.conf'))).toBeUndefined();
      writeFileSync(join(d, 'a.conf'), 'x\n');
      expect(readAllowlist(join(d, 'a.conf'))?.length).toBe(1);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
