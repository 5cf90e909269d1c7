import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LOG_MAX_BYTES,
  type InvocationRecord,
  MAX_LOG_LINE_BYTES,
  formatLogLine,
  logSettings,
  shouldLog,
} from './invocation-log.ts';

describe('logSettings', () => {
  it('is off without logFile and CNI_TS_LOG_FILE, also when only the level is set', () => {
    expect(logSettings({ name: 'n' }, {})).toEqual({ settings: undefined, notes: [] });
    expect(logSettings({ name: 'n', logFile: '', logLevel: 'debug' }, { CNI_TS_LOG_LEVEL: 'debug' })).toEqual({ settings: undefined, notes: [] });
    expect(logSettings(undefined, { CNI_TS_LOG_FILE: '' })).toEqual({ settings: undefined, notes: [] });
  });

  it('takes the file from the config, else from the environment, with level info and a 10 MiB cap', () => {
    expect(logSettings({ logFile: '/a' }, {}).settings).toEqual({ file: '/a', level: 'info', maxBytes: DEFAULT_LOG_MAX_BYTES });
    expect(logSettings({}, { CNI_TS_LOG_FILE: '/b' }).settings).toEqual({ file: '/b', level: 'info', maxBytes: 10 * 1024 * 1024 });
    expect(logSettings(undefined, { CNI_TS_LOG_FILE: '/b' }).settings?.file).toBe('/b'); // stdin was no JSON object
  });

  it('lets each config key win over its variable', () => {
    const env = { CNI_TS_LOG_FILE: '/env', CNI_TS_LOG_LEVEL: 'error', CNI_TS_LOG_MAX_BYTES: '5000' };
    expect(logSettings({ logFile: '/conf', logLevel: 'debug', logMaxBytes: 8192 }, env)).toEqual({
      settings: { file: '/conf', level: 'debug', maxBytes: 8192 },
      notes: [],
    });
    expect(logSettings({ logFile: '/conf' }, env).settings).toEqual({ file: '/conf', level: 'error', maxBytes: 5000 });
  });

  it('skips an unusable value with a note and falls back', () => {
    const r = logSettings({ logFile: 5, logLevel: 'verbose', logMaxBytes: 10 }, { CNI_TS_LOG_FILE: '/env', CNI_TS_LOG_LEVEL: 'loud', CNI_TS_LOG_MAX_BYTES: '1e9' });
    expect(r.settings).toEqual({ file: '/env', level: 'info', maxBytes: DEFAULT_LOG_MAX_BYTES });
    expect(r.notes).toEqual([
      'logFile 5 is not a path',
      'logLevel "verbose" is not one of error, info, debug',
      'CNI_TS_LOG_LEVEL "loud" is not one of error, info, debug',
      'logMaxBytes 10 is not an integer from 4096 to 1099511627776',
      'CNI_TS_LOG_MAX_BYTES "1e9" is not an integer from 4096 to 1099511627776',
    ]);
    expect(logSettings({ logFile: 'a\0b' }, {})).toEqual({ settings: undefined, notes: ['the log file path holds a NUL byte'] });
  });
});

describe('shouldLog', () => {
  it('writes failures at every level and successes only at info and debug', () => {
    expect([shouldLog('error', true), shouldLog('info', true), shouldLog('debug', true)]).toEqual([true, true, true]);
    expect([shouldLog('error', false), shouldLog('info', false), shouldLog('debug', false)]).toEqual([false, true, true]);
  });
});

const base: InvocationRecord = {
  startedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  plugin: 'bridge',
  command: 'ADD',
  network: 'net1',
  containerId: 'c1',
  netns: '/run/netns/x',
  ifname: 'eth0',
  durationMs: 12.34567,
  debug: { pid: 42, startupMs: 20.0004, ips: ['10.1.0.5/16'], handlerMs: undefined },
};

describe('formatLogLine', () => {
  it('writes one JSON line with the fields in order, without debug fields at info', () => {
    const line = formatLogLine(base, 'info');
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      time: '2026-01-02T03:04:05.678Z',
      plugin: 'bridge',
      command: 'ADD',
      network: 'net1',
      containerId: 'c1',
      netns: '/run/netns/x',
      ifname: 'eth0',
      durationMs: 12.346,
      outcome: 'ok',
    });
    expect(Object.keys(JSON.parse(line))[0]).toBe('time');
  });

  it('adds the error code, message and details, and the debug fields at debug', () => {
    const rec: InvocationRecord = { ...base, error: { code: 7, msg: 'invalid mtu 1', details: 'it must be 46 or more' } };
    expect(JSON.parse(formatLogLine(rec, 'debug'))).toMatchObject({
      outcome: 'error',
      code: 7,
      msg: 'invalid mtu 1',
      details: 'it must be 46 or more',
      pid: 42,
      startupMs: 20,
      ips: ['10.1.0.5/16'],
    });
    expect(JSON.parse(formatLogLine(rec, 'debug'))).not.toHaveProperty('handlerMs');
    expect(JSON.parse(formatLogLine(rec, 'error'))).not.toHaveProperty('pid');
  });

  it('leaves out what the run did not have (GC has no container)', () => {
    const gc = JSON.parse(formatLogLine({ startedAt: 0, plugin: 'p', command: 'GC', network: 'n', durationMs: 1 }, 'info'));
    expect(Object.keys(gc)).toEqual(['time', 'plugin', 'command', 'network', 'durationMs', 'outcome']);
  });

  it.each([
    ['a long ASCII message', 'x'.repeat(100_000)],
    ['a long multi-byte message', 'é€😀'.repeat(20_000)],
    ['a message of control characters (escaped six bytes each)', '\u0001'.repeat(10_000)],
  ])('cuts %s so the line stays under the bound and parseable', (_what, msg) => {
    const rec: InvocationRecord = { ...base, netns: `/proc/1/${'n'.repeat(5000)}`, error: { code: 999, msg, details: msg } };
    const line = formatLogLine(rec, 'debug');
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const parsed = JSON.parse(line);
    expect(parsed.code).toBe(999);
    expect(parsed.msg.endsWith('…')).toBe(true);
    expect(msg.startsWith(parsed.msg.slice(0, -1))).toBe(true);
    expect(parsed.time).toBe('2026-01-02T03:04:05.678Z');
  });

  it('keeps a short line whole and reduces to the fixed fields under a tiny bound', () => {
    const rec: InvocationRecord = { ...base, error: { code: 5, msg: 'm'.repeat(300) } };
    expect(JSON.parse(formatLogLine(rec, 'info')).msg).toBe('m'.repeat(300));
    const tiny = formatLogLine(rec, 'info', 120);
    expect(Buffer.byteLength(tiny)).toBeLessThanOrEqual(120);
    expect(JSON.parse(tiny)).toMatchObject({ outcome: 'error' });
  });
});
