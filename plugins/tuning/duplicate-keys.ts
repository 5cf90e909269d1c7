// JSON.parse keeps the last of two equal keys without a word; the Go plugin refuses a sysctl
// object that names one key twice ("duplicated sysctl keys are not allowed", plugins 1.2.0+),
// since which of the two values is written would be a guess. This scanner finds such keys in
// the raw stdin, which JSON.parse has already accepted (so it only walks valid JSON).

/** A key written twice in one object: the object's key path and the key. */
export interface DuplicateKey {
  readonly path: readonly string[];
  readonly key: string;
}

const WS = /[ \t\n\r]*/y;
const STRING = /"(?:[^"\\]|\\.)*"/y;
const SCALAR = /(?:true|false|null|-?[0-9][0-9eE+.-]*)/y;

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/**
 * The first key that appears twice in an object at one of `targets` (key paths from the top).
 * @param text JSON that JSON.parse accepts.
 */
export function findDuplicateKey(text: string, targets: readonly (readonly string[])[]): DuplicateKey | undefined {
  let pos = 0;
  let found: DuplicateKey | undefined;
  const skipWs = (): void => {
    WS.lastIndex = pos;
    WS.exec(text);
    pos = WS.lastIndex;
  };
  const token = (re: RegExp): string => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new SyntaxError(`unexpected JSON at ${pos}`);
    pos = re.lastIndex;
    return m[0];
  };
  const value = (path: readonly string[] | undefined): void => {
    skipWs();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const watched = path !== undefined && targets.some((t) => samePath(t, path));
      const seen = new Set<string>();
      skipWs();
      if (text[pos] === '}') {
        pos++;
        return;
      }
      for (;;) {
        skipWs();
        const key = JSON.parse(token(STRING)) as string;
        if (watched && seen.has(key) && !found) found = { path: path ?? [], key };
        seen.add(key);
        skipWs();
        pos++; // ':'
        // only paths that lead towards a target are followed by name
        value(path !== undefined && targets.some((t) => t.length > path.length) ? [...path, key] : undefined);
        skipWs();
        if (text[pos++] === '}') return;
      }
    } else if (c === '[') {
      pos++;
      skipWs();
      if (text[pos] === ']') {
        pos++;
        return;
      }
      for (;;) {
        value(undefined);
        skipWs();
        if (text[pos++] === ']') return;
      }
    } else if (c === '"') token(STRING);
    else token(SCALAR);
  };
  value([]);
  return found;
}
