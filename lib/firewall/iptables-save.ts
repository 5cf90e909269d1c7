// The text format shared by iptables-save, `iptables -S` and iptables-restore input: one rule
// per line, arguments separated by spaces, strings with special characters in double quotes
// with backslash escapes. Rules are compared as these lines, so quoting must match iptables exactly.

/**
 * Prints a string argument (a comment) exactly as iptables-save does (xtables_save_string):
 * bare when it is only `[A-Za-z0-9_-]`, otherwise in double quotes with `"`, `\\` and `'` escaped.
 */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** Splits a save line into unquoted arguments (quotes and backslash escapes removed). */
export function tokenizeSaveLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) cur += line[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inToken = true;
    } else if (c === ' ' || c === '\t') {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else {
      cur += c;
      inToken = true;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

/** A parsed `-A CHAIN ...` line: its chain, the rest as listed, and a few option values. */
export interface ListedRule {
  readonly chain: string;
  /** The line without `-A CHAIN `, ready to follow `-D CHAIN ` in a restore. */
  readonly spec: string;
  /** Value of `-s`, `-j`, `--comment`; undefined when absent. */
  readonly source: string | undefined;
  readonly target: string | undefined;
  readonly comment: string | undefined;
}

/** Parses the `-A` lines of `iptables -S` / iptables-save output; other lines are skipped. */
export function parseListedRules(listing: string): ListedRule[] {
  const rules: ListedRule[] = [];
  for (const line of listing.split('\n')) {
    // dotAll: a quoted comment may hold \r, U+2028 or U+2029, which `.` does not match otherwise
    const m = /^-A (\S+) (.*)$/s.exec(line.trimEnd());
    if (!m) continue;
    const chain = m[1] as string;
    const spec = m[2] as string;
    const tokens = tokenizeSaveLine(spec);
    const valueOf = (flag: string): string | undefined => {
      const i = tokens.indexOf(flag);
      return i >= 0 ? tokens[i + 1] : undefined;
    };
    rules.push({ chain, spec, source: valueOf('-s'), target: valueOf('-j'), comment: valueOf('--comment') });
  }
  return rules;
}
