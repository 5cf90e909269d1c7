// Deeply nested JSON is refused before JSON.parse sees it. The parser itself copes with
// thousands of levels, but everything that walks the parsed value afterwards (the schema
// checker, deep copies, result conversion, JSON.stringify of an error message) recurses, and
// Bun's JavaScriptCore runs out of stack between 10,000 and 100,000 levels: the plugin then
// answered 999 "Maximum call stack size exceeded" instead of a decode error. A CNI config or
// result is a handful of levels deep (a conflist plugin's ipam.ranges[0][0] is 4), so the limit
// below leaves a wide margin for plugin-specific keys and still keeps every walk shallow.
// Go's encoding/json refuses nesting beyond 10,000 levels; ours is stricter (README).

/** The deepest nesting of arrays and objects accepted in any JSON the suite reads. */
export const MAX_JSON_DEPTH = 128;

/** The JSON was nested deeper than the limit; its message names the limit and where it was passed. */
export class JsonDepthError extends SyntaxError {
  override readonly name = 'JsonDepthError';
}

/**
 * The first byte offset where `text` opens a bracket deeper than `limit`, or -1. A linear scan
 * that skips strings (so brackets inside them do not count); it does not validate the JSON,
 * JSON.parse does that next.
 */
export function excessDepthOffset(text: string, limit: number = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++; // the escaped character cannot end the string
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return -1;
}

/**
 * JSON.parse, refusing nesting deeper than {@link MAX_JSON_DEPTH} first.
 * @throws JsonDepthError (a SyntaxError) for too deep a value, or JSON.parse's SyntaxError.
 */
export function parseJson(text: string, limit: number = MAX_JSON_DEPTH): unknown {
  const at = excessDepthOffset(text, limit);
  if (at >= 0) {
    throw new JsonDepthError(`JSON nested more than ${limit} levels deep (at offset ${at}); no CNI configuration or result needs that many`);
  }
  return JSON.parse(text);
}
