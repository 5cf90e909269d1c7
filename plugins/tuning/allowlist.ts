import { readFileSync } from 'node:fs';
import { CniError, ErrorCode } from '../../lib/cni/index.ts';

// The node administrator's sysctl allowlist, read as the Go plugin (1.2.0+) reads it: when the
// file exists, every sysctl a configuration sets must match one of its lines, each a regular
// expression matched unanchored against the key as written (before IFNAME is replaced). A
// missing file allows every key. The path is fixed for configurations (an allowlist a config
// could point elsewhere would restrict nothing); tests set CNI_TS_TUNING_ALLOWLIST.

/** Where Go's plugin looks. */
export const DEFAULT_ALLOWLIST = '/etc/cni/tuning/allowlist.conf';

/** The variable a test (or an unusual node) names another allowlist file with. */
export const ALLOWLIST_ENV = 'CNI_TS_TUNING_ALLOWLIST';

/** The allowlist file for this invocation. */
export function allowlistPath(env: Readonly<Record<string, string | undefined>>): string {
  return env[ALLOWLIST_ENV] || DEFAULT_ALLOWLIST;
}

/** An allowlist entry: the line as written and the expression made of it. */
export interface AllowlistEntry {
  readonly line: string;
  readonly pattern: RegExp;
}

/**
 * Go's RE2 syntax as far as a JavaScript RegExp differs for allowlist lines: leading flag
 * groups such as (?i) become flags, \A and \z become ^ and $.
 */
function compile(line: string): RegExp {
  let source = line;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    source = source.slice(lead[0].length);
    flags = [...new Set((lead[1] ?? '').replace(/U/g, '').split(''))].join('');
  }
  source = source.replace(/\\A/g, '^').replace(/\\z/g, '$');
  return new RegExp(source, flags);
}

/**
 * Parses the file's text: one expression per non-empty trimmed line.
 * @throws CniError code 7 naming the file and the line that is not a valid expression.
 */
export function parseAllowlist(text: string, file: string): AllowlistEntry[] {
  const out: AllowlistEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    try {
      out.push({ line, pattern: compile(line) });
    } catch (e) {
      throw new CniError(ErrorCode.InvalidConfig, `invalid sysctl allowlist ${file} line ${i + 1} ${JSON.stringify(line)}`, `expected a regular expression: ${(e as Error).message}`);
    }
  });
  return out;
}

/**
 * The allowlist, or undefined when the file does not exist (every key allowed).
 * @throws CniError code 5 when it exists but cannot be read, code 7 for a bad line.
 */
export function readAllowlist(file: string): AllowlistEntry[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CniError(ErrorCode.IoFailure, `failed to read the sysctl allowlist ${file}`, (e as Error).message);
  }
  return parseAllowlist(text, file);
}

/**
 * Every key must match an entry.
 * @throws CniError code 7 naming the first key that matches none, and the allowlist.
 */
export function checkAllowed(keys: readonly { readonly key: string; readonly source: string }[], allowlist: readonly AllowlistEntry[], file: string): void {
  for (const { key, source } of keys) {
    if (allowlist.some((e) => e.pattern.test(key))) continue;
    throw new CniError(
      ErrorCode.InvalidConfig,
      `sysctl ${JSON.stringify(key)} (${source}) is not allowed`,
      `${file} allows only keys matching: ${allowlist.map((e) => e.line).join(', ')}`,
    );
  }
}
