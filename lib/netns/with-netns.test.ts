import { describe, expect, it } from 'vitest';
import { NetnsNotFoundError } from './errors.ts';
import { withNetns } from './with-netns.ts';

// Compile-time checks (tsc --noEmit): never called.
export function typeChecks(): void {
  // @ts-expect-error an async callback is rejected
  withNetns('/run/netns/x', async () => 1);
  // @ts-expect-error a Promise-returning callback is rejected
  withNetns('/run/netns/x', () => Promise.resolve('x'));
  const n: number = withNetns('/run/netns/x', () => 1);
  const s: string = withNetns('/run/netns/x', () => 'a');
  withNetns('/run/netns/x', () => {});
  void n;
  void s;
}

describe('withNetns', () => {
  it('throws NetnsNotFoundError for a missing path without running the callback', () => {
    let ran = false;
    expect(() =>
      withNetns('/run/netns/cnits-definitely-missing', () => {
        ran = true;
      }),
    ).toThrow(NetnsNotFoundError);
    expect(ran).toBe(false);
  });
});
