import { describe, expect, it } from 'vitest';
import { messageOf, Report, StepFailed, summaryLine } from './report.ts';

function capture(): { lines: string[]; report: Report } {
  const lines: string[] = [];
  return { lines, report: new Report((l) => lines.push(l)) };
}

describe('Report', () => {
  it('prints PASS and FAIL lines and ends with exactly "N passed, N failed"', async () => {
    const { lines, report } = capture();
    expect(await report.check('a works', () => 'detail')).toBe(true);
    expect(await report.check('b works', () => {
      throw new Error('broke\nbadly');
    })).toBe(false);
    report.finish(12);
    expect(lines[0]).toMatch(/^PASS a works — detail \(\d+ ms\)$/);
    expect(lines[1]).toMatch(/^FAIL b works — broke \| badly \(\d+ ms\)$/);
    expect(lines.at(-1)).toBe('1 passed, 1 failed');
    expect(lines).toContain('timings:');
  });

  it('gate passes its value through, and on failure reports and throws StepFailed', async () => {
    const { lines, report } = capture();
    await expect(report.gate('g1', () => 42, (v) => `v=${v}`)).resolves.toBe(42);
    await expect(report.gate('g2', () => Promise.reject(new Error('no')))).rejects.toBeInstanceOf(StepFailed);
    expect([report.passed, report.failed]).toEqual([1, 1]);
    expect(lines[0]).toMatch(/^PASS g1 — v=42/);
    expect(lines[1]).toMatch(/^FAIL g2 — no/);
  });

  it('step is silent on success, times it, and reports a failure once', async () => {
    const { lines, report } = capture();
    await report.step('s1', () => undefined);
    await expect(report.step('s2', () => {
      throw new Error('bad');
    })).rejects.toBeInstanceOf(StepFailed);
    expect(lines).toEqual([expect.stringMatching(/^FAIL s2 — bad/)]);
    expect(report.timings.map((t) => t.label)).toEqual(['s1', 's2']);
  });
});

describe('summaryLine and messageOf', () => {
  it('formats the closing line and any thrown value', () => {
    expect(summaryLine(3, 0)).toBe('3 passed, 0 failed');
    expect(messageOf('plain')).toBe('plain');
    expect(messageOf(new Error('a\n  b'))).toBe('a | b');
  });
});
