import { describe, expect, it } from 'vitest';
import { formatResult, formatSummary, isSuccess } from './report.ts';

describe('formatResult', () => {
  it('prints status, id, title and reason on one line', () => {
    expect(formatResult({ id: 'a/b', title: 'T', status: 'PASS', ms: 1 })).toBe('PASS   a/b  T');
    expect(formatResult({ id: 'a/b', title: 'T', status: 'SKIP', reason: 'why', ms: 0 })).toBe('SKIP   a/b  T  why');
    expect(formatResult({ id: 'a/b', title: 'T', status: 'XFAIL', reason: 'boom', ms: 0, expected: { issue: 'plugins#810', why: 'leak' } })).toBe(
      'XFAIL  a/b  T  expected (plugins#810): boom',
    );
    expect(formatResult({ id: 'a/b', title: 'T', status: 'XPASS', ms: 0, expected: { issue: 'plugins#810', why: 'leak' } })).toBe(
      'XPASS  a/b  T  expected to fail (plugins#810: leak) but passed',
    );
  });
});

describe('formatSummary and isSuccess', () => {
  const s = { total: 10, passed: 6, failed: 1, skipped: 1, xfail: 1, xpass: 1 };
  it('ends with exactly "N passed, N failed, N skipped", the xfail counts on the line before', () => {
    expect(formatSummary(s)).toEqual(['1 expected failures (XFAIL), 1 unexpected passes (XPASS)', '6 passed, 1 failed, 1 skipped']);
    expect(formatSummary(s).at(-1)).toMatch(/^\d+ passed, \d+ failed, \d+ skipped$/);
  });
  it('fails on any failure, and on an unexpected pass unless allowed', () => {
    expect(isSuccess(s, true)).toBe(false);
    expect(isSuccess({ ...s, failed: 0 }, false)).toBe(false);
    expect(isSuccess({ ...s, failed: 0 }, true)).toBe(true);
    expect(isSuccess({ ...s, failed: 0, xpass: 0 }, false)).toBe(true);
  });
});
