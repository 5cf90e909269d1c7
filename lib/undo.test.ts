import { describe, expect, it } from 'vitest';
import { UndoStack } from './undo.ts';

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
