import { describe, expect, it } from 'vitest';
import { ConfError } from './errors.ts';
import { selectVersion } from './version-select.ts';

describe('selectVersion', () => {
  it.each([
    [undefined, undefined, '0.1.0'],
    ['', undefined, '0.1.0'],
    ['0.3.1', undefined, '0.3.1'],
    ['1.0.0', ['0.4.0', '1.1.0'], '1.1.0'],
    ['1.1.0', ['0.3.1'], '1.1.0'],
    ['1.1.0', ['2.0.0', '1.5.0'], '1.1.0'],
    [undefined, ['0.3.1', '1.0.0', '5.0.0'], '1.0.0'],
    [undefined, ['1.0.5', '1.0.0'], '1.0.0'],
    [undefined, ['0.10.0', '0.9.0'], '0.10.0'],
    ['', ['0.4.0'], '0.4.0'],
  ])('cniVersion %j with cniVersions %j selects %s', (single, list, expected) => {
    expect(selectVersion(single, list)).toBe(expected);
  });

  it.each([
    [1, undefined, 'error parsing configuration list: invalid cniVersion type number'],
    ['abc', undefined, 'error parsing configuration list: invalid cniVersion: "abc" is not a MAJOR.MINOR.PATCH version'],
    [undefined, '1.0.0', 'error parsing configuration list: invalid type for cniVersions: string'],
    [undefined, [1], 'error parsing configuration list: invalid type for cniVersions index 0: number'],
    [undefined, ['1.0.0', '1.0'], 'error parsing configuration list: invalid cniVersions entry "1.0" at index 1: "1.0" is not a MAJOR.MINOR.PATCH version'],
    [undefined, ['2.0.0'], 'error parsing configuration list: no usable version in cniVersions [2.0.0]: all are newer than 1.1.0'],
  ])('rejects cniVersion %j with cniVersions %j', (single, list, message) => {
    expect(() => selectVersion(single, list)).toThrow(new ConfError(message));
  });
});
