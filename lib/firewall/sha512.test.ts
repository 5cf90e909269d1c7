import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha512HexOf } from './sha512.ts';

const reference = (s: string): string => createHash('sha512').update(s, 'utf8').digest('hex');

describe('sha512HexOf', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(sha512HexOf('abc')).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
    expect(sha512HexOf('')).toBe(
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    );
  });

  it('gives the golden chain hash of reference-benchmarks.md 3.1', () => {
    const id = '87a38598280c72411c3f48242b52b814149b5c2e17d779bdc28063336d05ce06';
    expect(sha512HexOf(`cnianchor-podnet${id}`).slice(0, 24)).toBe('66d74dc85eb823645cc98db0');
  });

  // every length around the one- and two-block padding boundaries (111/112, 239/240 bytes)
  it.each(Array.from({ length: 300 }, (_, n) => n))('matches node:crypto for %i bytes', (n) => {
    const s = randomBytes(n).toString('latin1').slice(0, n);
    expect(sha512HexOf(s)).toBe(reference(s));
  });

  it('hashes the UTF-8 encoding of non-ASCII text', () => {
    for (const s of ['né', '网络', '🙂 pod', 'x'.repeat(1000)]) expect(sha512HexOf(s)).toBe(reference(s));
  });
});
