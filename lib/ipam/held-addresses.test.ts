import { describe, expect, it } from 'vitest';
import { heldAddresses } from './held-addresses.ts';

describe('heldAddresses', () => {
  it('prefers the addresses on the interface, else prevResult; a prevResult that does not decode gives none (DEL then goes by owner)', () => {
    const config = { cniVersion: '1.1.0', name: 'n', type: 'bridge', prevResult: { cniVersion: '1.1.0', ips: [{ address: '10.1.0.7/16' }] } };
    expect(heldAddresses(['10.1.0.5/16', 'junk'], config).map((m) => m.prefix)).toEqual([16]);
    expect(heldAddresses([], config).map((m) => m.prefix)).toEqual([16]);
    const junk = { ...config, prevResult: { cniVersion: '1.1.0', ips: [{ address: '10.1.0.7/16' }, { address: 'junk' }] } };
    expect(heldAddresses([], junk)).toEqual([]);
    expect(heldAddresses([], { cniVersion: '1.1.0', name: 'n', type: 'bridge' })).toEqual([]);
  });
});
