import { describe, expect, it } from 'vitest';
import { PROTOTYPES } from './libc-api.ts';
import { signatureOf } from './libc-bun.ts';

// The bun:ffi binding runs only inside the compiled executables (integration tests and the
// conformance suite exercise it there); its reading of the shared prototypes is pure.
describe('signatureOf', () => {
  it.each(Object.entries(PROTOTYPES))('maps every prototype to bun:ffi types: %s', (name, decl) => {
    const sig = signatureOf(decl, name === 'fcntl' ? 1 : 0);
    expect(sig.ffiArgs.length).toBe(sig.kinds.length);
    expect(['i32', 'i64_fast']).toContain(sig.returns);
  });

  it('passes pointers, strings and string lists by kind, and sizes by width', () => {
    expect(signatureOf(PROTOTYPES.posix_spawn)).toEqual({
      symbol: 'posix_spawn',
      ffiArgs: ['ptr', 'ptr', 'ptr', 'ptr', 'ptr', 'ptr'],
      kinds: ['plain', 'string', 'plain', 'plain', 'strings', 'strings'],
      returns: 'i32',
    });
    expect(signatureOf(PROTOTYPES.sendto)).toEqual({
      symbol: 'sendto',
      ffiArgs: ['i32', 'ptr', 'u64', 'i32', 'ptr', 'u32'],
      kinds: ['plain', 'plain', 'plain', 'plain', 'plain', 'plain'],
      returns: 'i64_fast',
    });
    expect(signatureOf(PROTOTYPES.posix_spawnattr_setflags).ffiArgs).toEqual(['ptr', 'i16']);
    expect(signatureOf(PROTOTYPES.ioctl).ffiArgs).toEqual(['i32', 'u64']);
  });

  it("takes koffi's ('int', value) pairs for the variadic part", () => {
    expect(signatureOf(PROTOTYPES.fcntl, 1)).toEqual({
      symbol: 'fcntl',
      ffiArgs: ['i32', 'i32', 'i32'],
      kinds: ['plain', 'plain', 'variadic-int'],
      returns: 'i32',
    });
  });

  it('binds the fixed-argument variants of ioctl to the ioctl symbol, pointer and value each as wide as a register', () => {
    expect(signatureOf(PROTOTYPES.ioctlPointer)).toMatchObject({ symbol: 'ioctl', ffiArgs: ['i32', 'u64', 'ptr'] });
    expect(signatureOf(PROTOTYPES.ioctlValue)).toMatchObject({ symbol: 'ioctl', ffiArgs: ['i32', 'u64', 'u64'] });
  });

  it('refuses a C type it has no mapping for, rather than guess a width', () => {
    expect(() => signatureOf('long double frexpl(long double x, int *exp)')).toThrow(/no bun:ffi type/);
    expect(() => signatureOf('int f(off_t offset)')).toThrow(/no bun:ffi type for "off_t offset"/);
    expect(() => signatureOf('not a prototype')).toThrow(/unreadable/);
  });
});
