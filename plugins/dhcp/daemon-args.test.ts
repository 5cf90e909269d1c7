import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE_DIR, UsageError, parseDaemonArgs, parseDuration } from './daemon-args.ts';

describe('daemon command line', () => {
  it('has defaults', () => {
    expect(parseDaemonArgs([])).toEqual({ socketPath: '/run/cni/dhcp.sock', stateDir: DEFAULT_STATE_DIR, pidFile: undefined, attemptMs: 10_000, totalMs: 62_000, hostPrefix: '' });
  });

  it("reads Go's flag forms", () => {
    expect(parseDaemonArgs(['-socketpath', '/tmp/a.sock', '--statedir=/tmp/s', '-pidfile=/tmp/p', '-broadcast', '-timeout', '2s', '-resendtimeout=1m30s'])).toEqual({
      socketPath: '/tmp/a.sock',
      stateDir: '/tmp/s',
      pidFile: '/tmp/p',
      attemptMs: 2000,
      totalMs: 90_000,
      hostPrefix: '',
    });
    expect(parseDaemonArgs(['-resendmax', '500ms']).totalMs).toBe(500);
  });

  it.each([
    [['-hostprefix', 'host'], /-hostprefix: expected an absolute path/],
    [['-bogus', '/h'], /not defined: -bogus/],
    [['-socketpath'], /needs an argument/],
    [['-socketpath', 'rel.sock'], /absolute path/],
    [['-timeout', '10'], /duration/],
    [['-timeout', '0s'], /longer than 0/],
    [['stray'], /unexpected argument/],
  ])('refuses %j', (argv, msg) => {
    expect(() => parseDaemonArgs(argv)).toThrow(UsageError);
    expect(() => parseDaemonArgs(argv)).toThrow(msg);
  });

  it("takes Go's -hostprefix: a host root mounted in the daemon's container, without a trailing slash", () => {
    expect(parseDaemonArgs(['-hostprefix', '/host']).hostPrefix).toBe('/host');
    expect(parseDaemonArgs(['-hostprefix=/host/']).hostPrefix).toBe('/host');
    expect(parseDaemonArgs(['-hostprefix', '/']).hostPrefix).toBe('');
    expect(parseDaemonArgs(['-hostprefix=']).hostPrefix).toBe('');
    // the socket path itself stays the host's; the daemon puts the prefix in front
    expect(parseDaemonArgs(['-hostprefix', '/host', '-socketpath', '/run/cni/dhcp.sock']).socketPath).toBe('/run/cni/dhcp.sock');
  });

  it('parses durations', () => {
    expect(parseDuration('1h2m3s4ms', 'x')).toBe(3_723_004);
    expect(parseDuration('1.5s', 'x')).toBe(1500);
  });
});
