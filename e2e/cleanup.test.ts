import { describe, expect, it } from 'vitest';
import { CleanupStack } from './cleanup.ts';

describe('CleanupStack', () => {
  it('runs every step newest first, collects failures, and runs only once', async () => {
    const stack = new CleanupStack();
    const ran: string[] = [];
    stack.defer('a', () => {
      ran.push('a');
    });
    stack.defer('b', () => {
      ran.push('b');
      throw new Error('b failed');
    });
    stack.defer('c', async () => {
      ran.push('c');
    });
    const failures = await stack.runAll();
    expect(ran).toEqual(['c', 'b', 'a']);
    expect(failures.map((f) => f.label)).toEqual(['b']);
    expect(await stack.runAll()).toEqual([]);
    expect(ran).toEqual(['c', 'b', 'a']);
    expect(() => stack.defer('late', () => undefined)).toThrow(/already ran/);
  });
});
