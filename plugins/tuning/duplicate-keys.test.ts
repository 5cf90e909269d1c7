import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from './duplicate-keys.ts';

const targets = [['sysctl'], ['args', 'cni', 'sysctl']];

describe('findDuplicateKey', () => {
  it('finds a key written twice in a watched object, also through escapes', () => {
    expect(findDuplicateKey('{"sysctl":{"a.b":"1","a\\u002eb":"2"}}', targets)).toEqual({ path: ['sysctl'], key: 'a.b' });
    expect(findDuplicateKey('{"x":[1,{"y":null}],"args":{"cni":{"sysctl":{"k":"1", "k" : "1"}}}}', targets)).toEqual({ path: ['args', 'cni', 'sysctl'], key: 'k' });
  });
  it('ignores duplicates elsewhere and nested objects that only look alike', () => {
    expect(findDuplicateKey('{"a":1,"a":2,"sysctl":{"k":"1"},"prevResult":{"sysctl":{"k":1,"k":2}}}', targets)).toBeUndefined();
    expect(findDuplicateKey(' { "sysctl" : { } , "s": "\\"}" , "n": -1.5e3, "t": [true, false, []] } ', targets)).toBeUndefined();
  });
});
