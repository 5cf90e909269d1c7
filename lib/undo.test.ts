import { describe, expect, it } from 'vitest';
import { UndoStack, runAll, throwCollected } from './undo.ts';

describe('UndoStack', () => {
  it('unwinds newest first and keeps going past failures', async () => {
    const seen: string[] = [];
    const u = new UndoStack();
    u.push('a', () => seen.push('a'));
    u.push('b', () => {
      throw new Error('nope');
    });
    u.push('c', async () => seen.push('c'));
    const errors = await u.unwind();
    expect(seen).toEqual(['c', 'a']);
    expect(errors.map((e) => e.message)).toEqual(['undo b: nope']);
    expect(await u.unwind()).toEqual([]);
  });
  it('does nothing after commit', async () => {
    const u = new UndoStack();
    let ran = false;
    u.push('x', () => (ran = true));
    u.commit();
    await u.unwind();
    expect(ran).toBe(false);
  });
});

describe('runAll', () => {
  it('runs every step and reports all failures at once', async () => {
    const seen: string[] = [];
    const p = runAll('teardown', [
      ['one', () => { throw new Error('x'); }],
      ['two', () => seen.push('two')],
      ['three', () => Promise.reject(new Error('y'))],
    ]);
    await expect(p).rejects.toThrow('teardown: one: x; three: y');
    expect(seen).toEqual(['two']);
  });
  it('rethrows a single failure as is and resolves when all succeed', async () => {
    await expect(runAll('t', [['only', () => { throw new Error('z'); }]])).rejects.toThrow('only: z');
    await expect(runAll('t', [['ok', () => 1]])).resolves.toBeUndefined();
  });
});

describe('throwCollected', () => {
  it('throws nothing for none, one error as itself, several as one AggregateError', () => {
    expect(() => throwCollected('t', [])).not.toThrow();
    const only = new Error('one');
    expect(() => throwCollected('t', [only])).toThrow(only);
    let caught: unknown;
    try {
      throwCollected('t', [new Error('a'), new Error('b')]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AggregateError);
    expect((caught as AggregateError).message).toBe('t: a; b');
    expect((caught as AggregateError).errors).toHaveLength(2);
  });
  it('passes an error with a numeric code through as itself, so a CNI code survives', async () => {
    const coded = Object.assign(new Error('busy'), { code: 11 });
    await expect(runAll('t', [['ipam', () => Promise.reject(coded)]])).rejects.toBe(coded);
  });
});
