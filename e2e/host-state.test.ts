import { describe, expect, it } from 'vitest';
import { diffSnapshots } from './host-state.ts';

describe('diffSnapshots', () => {
  it('is empty for equal snapshots and names the first differing line otherwise', () => {
    expect(diffSnapshots({ a: 'x\ny' }, { a: 'x\ny' })).toEqual([]);
    expect(diffSnapshots({ a: 'x\ny', b: '1' }, { a: 'x\nz', b: '1' })).toEqual(['a: "y" became "z"']);
    expect(diffSnapshots({ a: '1' }, {})).toEqual(['a: "1" became "(missing)"']);
  });
});
