import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KNOWN_ERRNOS, SysError, errnoMessage, errnoName } from './errors.ts';

describe('errnoName', () => {
  it.each([
    [17, 'EEXIST'],
    [2, 'ENOENT'],
    [19, 'ENODEV'],
    [11, 'EAGAIN'],
    [95, 'EOPNOTSUPP'],
    [99, 'EADDRNOTAVAIL'],
    [93, 'EPROTONOSUPPORT'],
  ])('maps errno %i to %s', (errno, name) => {
    expect(errnoName(errno)).toBe(name);
  });

  it('names an unknown errno by number', () => {
    expect(errnoName(4095)).toBe('ERRNO_4095');
  });
});

describe('the built-in errno table', () => {
  it.each(Object.entries(KNOWN_ERRNOS))('errno %s has the name and text Node (libuv) gives it', (errno, [name, message]) => {
    const n = Number(errno);
    expect((constants.errno as Record<string, number>)[name]).toBe(n);
    expect(getSystemErrorMap().get(-n)?.[1]).toBe(message);
  });

  it('falls back to Node for the others', () => {
    expect(errnoName(constants.errno.ECONNREFUSED)).toBe('ECONNREFUSED');
    expect(errnoMessage(constants.errno.ECONNREFUSED)).toBe('connection refused');
  });
});

describe('errnoMessage', () => {
  it('gives a readable description', () => {
    expect(errnoMessage(17)).toMatch(/exists/);
  });
});

describe('SysError', () => {
  it('carries errno, code, syscall and a message naming the detail', () => {
    const err = new SysError('statfs', 2, { detail: '/nope' });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('SysError');
    expect(err.errno).toBe(2);
    expect(err.code).toBe('ENOENT');
    expect(err.syscall).toBe('statfs');
    expect(err.message).toBe('statfs /nope: no such file or directory (ENOENT)');
  });

  it('keeps a cause', () => {
    const cause = new Error('inner');
    expect(new SysError('setns', 22, { cause }).cause).toBe(cause);
  });
});
