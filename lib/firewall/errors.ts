import type { BackendName } from './types.ts';

/**
 * No masquerade backend can run on this host (or the one the config asked for cannot).
 * The bridge's STATUS reports it as code 50 (plugin not available).
 */
export class NoFirewallBackendError extends Error {
  override readonly name = 'NoFirewallBackendError';
  constructor(
    /** The backend the config asked for, if any. */
    readonly preference: BackendName | undefined,
    /** The executables that were looked for and not found. */
    readonly missing: readonly string[],
  ) {
    super(
      preference === undefined
        ? `no usable masquerade backend: none of ${missing.join(', ')} found in PATH`
        : `masquerade backend "${preference}" is not usable: ${missing.join(', ')} not found in PATH`,
    );
  }
}

/** CHECK found rules missing; `missing` names each absent chain, table or rule. */
export class MasqueradeCheckError extends Error {
  override readonly name = 'MasqueradeCheckError';
  constructor(
    readonly backend: BackendName,
    readonly missing: readonly string[],
  ) {
    super(`${backend} masquerade rules missing: ${missing.join('; ')}`);
  }
}
