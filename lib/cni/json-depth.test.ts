import { describe, expect, it } from 'vitest';
import { JsonDepthError, MAX_JSON_DEPTH, excessDepthOffset, parseJson } from './json-depth.ts';

const nested = (n: number, open = '[', close = ']'): string => open.repeat(n) + close.repeat(n);

describe('parseJson: a depth limit before JSON.parse', () => {
  it('accepts nesting up to the limit and parses it', () => {
    expect(parseJson(nested(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    expect(parseJson('{"a":{"b":[1,{"c":2}]}}')).toEqual({ a: { b: [1, { c: 2 }] } });
  });

  it('refuses one level more, arrays or objects, naming the limit and the offset', () => {
    expect(() => parseJson(nested(MAX_JSON_DEPTH + 1))).toThrow(JsonDepthError);
    expect(() => parseJson(nested(10_000))).toThrow(new RegExp(`more than ${MAX_JSON_DEPTH} levels deep \\(at offset ${MAX_JSON_DEPTH}\\)`));
    const objects = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expect(() => parseJson(objects)).toThrow(JsonDepthError);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const s = JSON.stringify({ text: `\\"${'['.repeat(1000)}"{{{` });
    expect(excessDepthOffset(s, 2)).toBe(-1);
    expect(parseJson(s)).toEqual(JSON.parse(s));
  });

  it('leaves syntax errors to JSON.parse', () => {
    expect(() => parseJson('{"a":')).toThrow(SyntaxError);
    expect(() => parseJson('{"a":')).not.toThrow(JsonDepthError);
  });
});
