import { describe, expect, it } from 'vitest';
import { addedLines } from './node-state.ts';
import { expectError, expectQuietSuccess, expectResult, jsonEqual } from './expect.ts';
import { requestConf } from './network.ts';
import type { Invocation } from './types.ts';

function inv(code: number, stdout: string): Invocation {
  let json: unknown;
  try {
    json = stdout.trim() ? JSON.parse(stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { binary: '/x/bridge', env: { CNI_COMMAND: 'ADD' }, stdin: '', code, stdout, stderr: '', json, ms: 1, timedOut: false };
}

describe('expectError', () => {
  it('accepts a well-formed error with one of the codes', () => {
    expect(expectError(inv(1, '{"code":4,"msg":"m"}'), [4, 7]).code).toBe(4);
  });
  it.each([
    [inv(0, ''), /succeeded .* but should have failed with code 4/],
    [inv(1, 'oops'), /without an error JSON/],
    [inv(1, '{"msg":"m"}'), /no integer "code"/],
    [inv(1, '{"code":4}'), /no "msg"/],
    [inv(1, '{"code":999,"msg":"m"}'), /failed with code 999 \(m\), expected 4/],
  ])('rejects %#', (i, message) => {
    expect(() => expectError(i, 4)).toThrow(message);
  });
});

describe('expectQuietSuccess and expectResult', () => {
  it('requires exit 0 and nothing printed', () => {
    expect(() => expectQuietSuccess(inv(0, ''))).not.toThrow();
    expect(() => expectQuietSuccess(inv(0, '{}'))).toThrow(/printed/);
    expect(() => expectQuietSuccess(inv(1, '{"code":1,"msg":"m"}'))).toThrow(/bridge ADD failed: exit 1/);
  });
  it('requires the shape of the version', () => {
    expect(() => expectResult(inv(0, '{"cniVersion":"1.0.0","ips":[{"version":"4","address":"10.0.0.2/24"}]}'), '1.0.0')).toThrow(/does not match 1.0.0/);
  });
});

describe('jsonEqual', () => {
  it('ignores key order and undefined values, not array order', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: '1' })).toBe(false);
  });
});

describe('addedLines', () => {
  it('is a multiset difference', () => {
    expect(addedLines(['a', 'b', 'b'], ['b', 'a', 'b', 'b', 'c'])).toEqual(['b', 'c']);
    expect(addedLines(['a'], [])).toEqual([]);
  });
});

describe('requestConf', () => {
  it('injects name, cniVersion, enabled capabilities and prevResult like libcni', () => {
    const net = { name: 'n', cniVersion: '1.0.0' as const, plugins: [] };
    const plugin = { conf: { type: 'portmap', name: 'old', capabilities: { portMappings: true, bandwidth: false } }, binary: '/x/portmap' };
    const conf = requestConf(net, plugin, { prevResult: { cniVersion: '1.0.0' }, capabilityArgs: { portMappings: [1], bandwidth: {}, mac: 'x' } });
    expect(conf).toEqual({ type: 'portmap', name: 'n', cniVersion: '1.0.0', capabilities: { portMappings: true, bandwidth: false }, runtimeConfig: { portMappings: [1] }, prevResult: { cniVersion: '1.0.0' } });
    expect(requestConf(net, plugin)).not.toHaveProperty('runtimeConfig');
  });
});
