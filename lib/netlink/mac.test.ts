import { describe, expect, it } from 'vitest';
import { bytesToMac, macToBytes } from './mac.ts';

describe('MAC conversion', () => {
  it('round-trips colon and dash forms, lowercased', () => {
    expect(macToBytes('AA:bb:0c:dd:ee:0F').toString('hex')).toBe('aabb0cddee0f');
    expect(macToBytes('aa-bb-0c-dd-ee-0f').toString('hex')).toBe('aabb0cddee0f');
    expect(bytesToMac(Buffer.from('aabb0cddee0f', 'hex'))).toBe('aa:bb:0c:dd:ee:0f');
  });

  it.each(['aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:fg', 'aabbccddeeff', 'a:b:c:d:e:f'])('rejects %s', (bad) => {
    expect(() => macToBytes(bad)).toThrow(TypeError);
  });
});
