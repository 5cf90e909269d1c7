// The debug file of the noop test plugin: instructions written by a test, calls appended by
// the plugin. Plain JSON so tests in any folder can write and read it without importing this.

/** What the plugin should do for a call; every field is optional. */
export interface NoopInstructions {
  /** Printed on stdout on success: a string verbatim, anything else as JSON. */
  reportResult?: unknown;
  /** Fail with this error (a string becomes code 999); printed as the spec's error JSON. */
  reportError?: string | { code: number; msg: string; details?: string };
  /** Written to stderr before anything else. */
  reportStderr?: string;
  /** The exit code (default 0, or 1 with reportError). Alone, it exits with no output. */
  reportExitCode?: number;
  /** The versions answered to VERSION and accepted in configs (default: all we support). */
  reportVersionSupport?: string[];
}

/** Instructions that apply only to some calls; every matching entry is merged in order. */
export interface NoopOverride extends NoopInstructions {
  /** Match CNI_COMMAND. */
  command?: string;
  /** Match the config's `type` (or the executable's name when there is no config). */
  type?: string;
}

/** One recorded call. */
export interface NoopCall {
  command: string;
  /** The config's `type`, when stdin was a JSON object with one. */
  type?: string;
  /** The executable's base name. */
  plugin: string;
  /** Every CNI_* variable the plugin saw. */
  env: Record<string, string>;
  /** stdin exactly as received. */
  stdin: string;
}

/** The whole file. */
export interface NoopDebug extends NoopInstructions {
  overrides?: NoopOverride[];
  calls?: NoopCall[];
}

/** The instructions for one call: the top level, then each matching override. */
export function instructionsFor(debug: NoopDebug, command: string, type: string): NoopInstructions {
  const out: NoopInstructions = {};
  const keys = ['reportResult', 'reportError', 'reportStderr', 'reportExitCode', 'reportVersionSupport'] as const;
  const apply = (src: NoopInstructions): void => {
    for (const k of keys) if (src[k] !== undefined) (out as Record<string, unknown>)[k] = src[k];
  };
  apply(debug);
  for (const o of debug.overrides ?? []) {
    if ((o.command === undefined || o.command === command) && (o.type === undefined || o.type === type)) apply(o);
  }
  return out;
}
