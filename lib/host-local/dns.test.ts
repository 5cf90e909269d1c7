import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CniError } from '../cni/index.ts';
import { loadResolvConf, parseResolvConf } from './dns.ts';

describe('parseResolvConf', () => {
  it.each([
    ['', {}],
    ['nameserver 10.0.0.1\n', { nameservers: ['10.0.0.1'] }],
    [
      '# comment\n; also a comment\nnameserver 10.0.0.1\nnameserver   2001:db8::53  \r\ndomain a.example\ndomain b.example\n' +
        'search x.example y.example\nsearch z.example\noptions ndots:5 edns0\noptions rotate\n',
      {
        nameservers: ['10.0.0.1', '2001:db8::53'],
        domain: 'b.example',
        search: ['x.example', 'y.example', 'z.example'],
        options: ['ndots:5', 'edns0', 'rotate'],
      },
    ],
    ['nameserver\ndomain\nsortlist 10.0.0.0/8\n  \tnameserver\t10.9.9.9 extra\n', { nameservers: ['10.9.9.9'] }],
    ['#nameserver 10.0.0.1\n  ;nameserver 10.0.0.2', {}],
  ])('parses %j', (text, want) => {
    expect(parseResolvConf(text)).toEqual(want);
  });
});

describe('loadResolvConf', () => {
  it('reads the file, and reports an unreadable one as code 7 naming ipam.resolvConf', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnits-hl-dns-'));
    try {
      writeFileSync(join(dir, 'resolv.conf'), 'nameserver 192.0.2.53\nsearch example.org\n');
      expect(loadResolvConf(join(dir, 'resolv.conf'))).toEqual({ nameservers: ['192.0.2.53'], search: ['example.org'] });
      let err: unknown;
      try {
        loadResolvConf(join(dir, 'missing'));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CniError);
      expect((err as CniError).code).toBe(7);
      expect((err as CniError).message).toContain('ipam.resolvConf');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
