import { CniError, ErrorCode, isCniError } from '../cni/index.ts';

/** A network configuration could not be parsed or is unusable. */
export class ConfError extends Error {
  override readonly name = 'ConfError';
  /** The file it came from, when it came from one. */
  readonly file: string | undefined;

  constructor(message: string, options?: { file?: string | undefined; cause?: unknown }) {
    super(options?.file ? `${options.file}: ${message}` : message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.file = options?.file;
  }
}

/** The directory holds network configurations, but none with the requested name. */
export class NetworkNotFoundError extends Error {
  override readonly name = 'NetworkNotFoundError';
  constructor(
    readonly dir: string,
    readonly network: string,
  ) {
    super(`no net configuration with name "${network}" in ${dir}`);
  }
}

/** The directory holds no network configuration at all (or does not exist). */
export class NoConfigsFoundError extends Error {
  override readonly name = 'NoConfigsFoundError';
  constructor(readonly dir: string) {
    super(`no net configurations found in ${dir}`);
  }
}

/** A verb of a network operation, as libcni names it in messages. */
export type Operation = 'add' | 'check' | 'delete' | 'gc' | 'status';

/**
 * One plugin of a network failed during an operation. Names the plugin type and the network
 * (libcni: `plugin type="X" name="N" failed (add): ...`) and keeps the plugin's error code,
 * so a caller can still act on it (11: try again later); failures that carry no CNI code
 * (plugin not found, could not start) get 999.
 */
export class NetworkPluginError extends CniError {
  readonly pluginType: string;
  readonly network: string;
  readonly operation: Operation;

  constructor(pluginType: string, network: string, operation: Operation, cause: unknown) {
    const inner = isCniError(cause) ? cause.msg : cause instanceof Error ? cause.message : String(cause);
    const code = isCniError(cause) ? cause.code : ErrorCode.Internal;
    const details = isCniError(cause) ? cause.details : undefined;
    super(code, `plugin type="${pluginType}" name="${network}" failed (${operation}): ${inner}`, details, { cause });
    this.pluginType = pluginType;
    this.network = network;
    this.operation = operation;
  }
}

/** The result cache could not be written (fails the ADD) or read (fails CHECK). */
export class CacheError extends Error {
  override readonly name = 'CacheError';
  readonly path: string | undefined;
  constructor(message: string, options?: { path?: string | undefined; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.path = options?.path;
  }
}

/**
 * Operations that keep going after a failure (GC, validation) report every failure at once:
 * the message lists them all, `errors` keeps them for inspection.
 */
export class MultiError extends AggregateError {
  override readonly name = 'MultiError';
  constructor(summary: string, errors: readonly unknown[]) {
    const lines = errors.map((e, i) => `  ${i + 1}) ${e instanceof Error ? e.message : String(e)}`);
    super(errors, `${summary}:\n${lines.join('\n')}`);
  }
}
