import { CniError, ErrorCode } from '../cni/index.ts';

/** Where a plugin failure happened: which executable, run for which verb. */
export interface PluginContext {
  /** Absolute path of the executable that ran. */
  readonly pluginPath: string;
  /** The plugin type (the executable's base name). */
  readonly pluginType: string;
  /** CNI_COMMAND of the failed run. */
  readonly command: string;
}

/**
 * A plugin ran and exited non-zero. The spec error it printed (code, msg, details) is kept
 * as-is, so a runtime can act on the code (11: retry later, 3: container gone, ...); output
 * that is not the spec's error JSON becomes code 999 with the raw text in the message.
 */
export class PluginError extends CniError {
  // name stays 'CniError' so isCniError() recognises it across bundle copies; use instanceof.
  readonly pluginPath: string;
  readonly pluginType: string;
  readonly command: string;
  /** The exit code, or undefined when a signal ended the plugin. */
  readonly exitCode: number | undefined;
  /** What the plugin wrote to stderr (also forwarded to our stderr unless it is in the message). */
  readonly stderr: string;

  constructor(
    context: PluginContext,
    error: { code: number; msg: string; details?: string | undefined },
    run: { exitCode: number | undefined; stderr: string },
  ) {
    super(error.code, error.msg, error.details);
    this.pluginPath = context.pluginPath;
    this.pluginType = context.pluginType;
    this.command = context.command;
    this.exitCode = run.exitCode;
    this.stderr = run.stderr;
  }
}

/** Why a plugin could not be run to completion. */
export type ExecFailure = 'spawn' | 'busy' | 'timeout' | 'aborted';

/**
 * The plugin never produced an answer: it could not be started (missing, not executable,
 * text file busy after every retry) or it was killed by a timeout or cancellation. Distinct
 * from PluginError because no plugin spoke: there is no CNI error code to pass on.
 */
export class ExecError extends Error {
  override readonly name = 'ExecError';
  readonly pluginPath: string;
  readonly command: string;
  readonly reason: ExecFailure;
  /** The errno name of a spawn failure (ENOENT, EACCES, ETXTBSY), when there was one. */
  readonly errno: string | undefined;

  constructor(
    context: { pluginPath: string; command: string },
    reason: ExecFailure,
    message: string,
    options?: { cause?: unknown; errno?: string | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.pluginPath = context.pluginPath;
    this.command = context.command;
    this.reason = reason;
    this.errno = options?.errno;
  }
}

/** No executable named after the plugin type exists in any CNI_PATH directory. */
export class PluginNotFoundError extends Error {
  override readonly name = 'PluginNotFoundError';
  readonly pluginType: string;
  readonly paths: readonly string[];

  constructor(pluginType: string, paths: readonly string[], message: string) {
    super(message);
    this.pluginType = pluginType;
    this.paths = paths;
  }
}

/**
 * A plugin exited 0 but its stdout is not a usable result or version answer.
 * Code 6 (decode failure), as a plugin would report for unparsable input.
 */
export function decodeError(context: PluginContext, what: string, why: string): CniError {
  return new CniError(
    ErrorCode.DecodeFailure,
    `failed to decode the ${what} of plugin "${context.pluginType}" (${context.command})`,
    why,
  );
}
