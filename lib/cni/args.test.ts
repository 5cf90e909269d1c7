import { describe, expect, it } from 'vitest';
import { parseCniArgs, validateNetworkName } from './args.ts';

describe('parseCniArgs', () => {
  it('reads pairs in order, later keys win, unknown keys are kept and never fail', () => {
    const a = parseCniArgs('K8S_POD_NAME=p;IgnoreUnknown=1;IP=10.0.0.5/24;IP=10.0.0.6');
    expect(a.get('K8S_POD_NAME')).toBe('p');
    expect(a.get('IP')).toBe('10.0.0.6');
    expect(a.get('ip')).toBeUndefined();
    expect(a.pairs).toHaveLength(4);
  });
  it.each([
    ['', []],
    [undefined, []],
    [';;', []],
    ['A', [['A', '']]],
    ['A=b=c', [['A', 'b=c']]],
    [' A = b ', [['A', 'b']]],
  ])('parses %j leniently', (raw, pairs) => {
    expect(parseCniArgs(raw).pairs).toEqual(pairs);
  });
});

describe('validateNetworkName', () => {
  it.each(['net', 'a.b_c-d', 'N1'])('accepts %j', (n) => expect(() => validateNetworkName(n)).not.toThrow());
  it.each(['', '..', '.hidden', 'a/b', 'a\0b', 'x'.repeat(201), 'sp ace'])('rejects %j with code 7', (n) => {
    expect(() => validateNetworkName(n)).toThrow(expect.objectContaining({ code: 7 }));
  });
});
