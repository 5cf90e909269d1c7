import { describe, expect, it } from 'vitest';
import { clientScript, expectBlocked, expectProbe, parseClientOutput, selfAddress } from './probes.ts';

describe('clientScript', () => {
  it('prints its own address, then one line per target', () => {
    const lines = clientScript([{ label: 'direct', host: '10.1.0.2', port: 80 }]).split('\n');
    expect(lines[0]).toContain('self=');
    expect(lines[1]).toContain('nc -w 5 10.1.0.2 80');
    expect(lines[1]).toContain('echo "direct=$r"');
  });

  it('takes a shorter nc timeout for targets that must not answer', () => {
    expect(clientScript([{ label: 'x', host: '10.1.0.2', port: 80, waitSeconds: 2 }])).toContain('nc -w 2 10.1.0.2 80');
  });

  it('refuses labels and hosts that would need quoting', () => {
    expect(() => clientScript([{ label: 'a b', host: '10.1.0.2', port: 80 }])).toThrow(/bad probe target/);
    expect(() => clientScript([{ label: 'a', host: '$(x)', port: 80 }])).toThrow(/bad probe target/);
  });
});

describe('parseClientOutput and friends', () => {
  const out = parseClientOutput('self=10.1.0.3/24\ndirect=page-1\nhairpin=nc: timed out\nnoise\n');

  it('reads key=value lines', () => {
    expect([...out.keys()]).toEqual(['self', 'direct', 'hairpin']);
    expect(selfAddress(out)).toBe('10.1.0.3');
  });

  it('expectProbe passes on the page and explains anything else', () => {
    expect(expectProbe(out, { label: 'direct', page: 'page-1' })).toBe('direct -> page');
    expect(() => expectProbe(out, { label: 'hairpin', page: 'page-1' })).toThrow(/got "nc: timed out"/);
    expect(() => expectProbe(out, { label: 'other', page: 'page-1' })).toThrow(/no other line/);
    expect(() => selfAddress(parseClientOutput('self=\n'))).toThrow(/no eth0 address/);
  });

  it('expectBlocked passes on anything but the page and fails on the page or a missing line', () => {
    expect(expectBlocked(out, { label: 'hairpin', page: 'page-1' })).toBe('hairpin -> "nc: timed out"');
    expect(expectBlocked(parseClientOutput('x=\n'), { label: 'x', page: 'page-1' })).toBe('x -> no answer');
    expect(() => expectBlocked(out, { label: 'direct', page: 'page-1' })).toThrow(/not blocked/);
    expect(() => expectBlocked(out, { label: 'other', page: 'page-1' })).toThrow(/no other line/);
  });
});
