import { describe, expect, it } from 'vitest';
import { duplicates, latencySummary, percentile, pool } from './stats.ts';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const v = [50, 10, 40, 20, 30];
    expect(percentile(v, 50)).toBe(30);
    expect(percentile(v, 95)).toBe(50);
    expect(percentile(v, 0)).toBe(10);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile(v, 101)).toThrow(/out of 0..100/);
  });

  it('summarises', () => {
    expect(latencySummary([1.4, 2.6, 3])).toBe('p50 3 ms, p95 3 ms (n=3)');
    expect(latencySummary([])).toBe('no samples');
  });
});

describe('duplicates', () => {
  it('lists values seen more than once, once each', () => {
    expect(duplicates(['a', 'b', 'a', 'c', 'a', 'b'])).toEqual(['a', 'b']);
    expect(duplicates(['a', 'b'])).toEqual([]);
  });
});

describe('pool', () => {
  it('keeps at most `limit` tasks in flight, records failures and keeps order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await pool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5 * (8 - n)));
      inFlight--;
      if (n === 4) throw new Error('four');
      return n * 10;
    });
    expect(peak).toBe(3);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([10, 20, 30, 'four', 50, 60, 70]);
  });
});
