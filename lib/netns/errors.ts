/** Options shared by the netns error classes. */
export interface NetnsErrorOptions {
  readonly cause?: unknown;
}

/**
 * The netns path does not exist. For CNI DEL this means "already gone", which counts as
 * success; for ADD it is a user error.
 */
export class NetnsNotFoundError extends Error {
  override readonly name = 'NetnsNotFoundError';
  readonly path: string;

  constructor(path: string, options: NetnsErrorOptions = {}) {
    super(`network namespace ${path} does not exist`, options.cause === undefined ? undefined : { cause: options.cause });
    this.path = path;
  }
}

/** The path exists but is not a network namespace (e.g. an unmounted /run/netns entry). */
export class NotNetnsError extends Error {
  override readonly name = 'NotNetnsError';
  readonly path: string;

  constructor(path: string, reason: string, options: NetnsErrorOptions = {}) {
    super(`${path} is not a network namespace: ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.path = path;
  }
}

/**
 * The thread could not return to its original netns after {@link withNetns}. The process
 * must not carry on with host work; the plugin should exit.
 */
export class NetnsRestoreError extends Error {
  override readonly name = 'NetnsRestoreError';
}
