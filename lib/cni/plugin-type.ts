import { CniError, ErrorCode } from './errors.ts';

// A plugin `type` (a conflist entry's, or an interface plugin's `ipam.type`) is looked up as a
// file name in each CNI_PATH directory and then executed. Go's libcni refuses only a type with
// a path separator; we accept only what plugin names look like, so "..", NUL, whitespace or
// shell characters never reach a path join or a log line that someone pastes into a shell.

const PLUGIN_TYPE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** NAME_MAX: a longer name cannot be a file. */
const MAX_TYPE_BYTES = 255;

/** Why `type` cannot name a plugin executable, or undefined when it can. */
export function pluginTypeProblem(type: string): string | undefined {
  if (type === '') return 'it is empty';
  if (Buffer.byteLength(type) > MAX_TYPE_BYTES) return `it is longer than ${MAX_TYPE_BYTES} bytes`;
  if (type.includes('/')) return 'it must be a plugin name, not a path: it must not contain "/"';
  // a name can never start with "." here, but "x.." would still read as a traversal in any
  // message or path it reaches: refused as the character class alone would not
  if (type.includes('..')) return 'it must be a plugin name: it must not contain ".."';
  if (!PLUGIN_TYPE.test(type)) {
    return 'it must be a plugin name: a letter or digit, then letters, digits, ".", "_", "+" or "-" (no "..", NUL, whitespace or shell characters)';
  }
  return undefined;
}

/**
 * Checks an interface plugin's `ipam.type` before anything is executed.
 * @throws CniError code 7 naming the value and what a plugin name may hold.
 */
export function validateIpamType(type: string): void {
  const problem = pluginTypeProblem(type);
  if (problem) throw new CniError(ErrorCode.InvalidConfig, `invalid ipam.type ${JSON.stringify(type)}`, problem);
}
