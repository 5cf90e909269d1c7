import { UnavailableError } from '../core/index.ts';
import type { BackendName } from './backend.ts';

/**
 * No backend of a feature can run on this host (or the one the config asked for cannot). An
 * UnavailableError, so every plugin reports it as CNI code 50 with this same message.
 */
export class NoFirewallBackendError extends UnavailableError {
  override readonly name = 'NoFirewallBackendError';
  constructor(
    /** The feature, e.g. `masquerade`. */
    readonly feature: string,
    /** The backend the config asked for, if any. */
    readonly preference: BackendName | undefined,
    /** The executables that were looked for and not found. */
    readonly missing: readonly string[],
  ) {
    const tools = missing.join(', ');
    const why = missing.length === 0 ? `${feature} has no ${preference ?? 'such'} implementation` : preference === undefined ? `none of ${tools} found in PATH` : `${tools} not found in PATH`;
    super(preference === undefined ? `no usable ${feature} backend: ${why}` : `${feature} backend "${preference}" is not usable: ${why}`);
  }
}

/** CHECK found rules missing; `missing` names each absent chain, table or rule. */
export class FirewallCheckError extends Error {
  override readonly name: string = 'FirewallCheckError';
  constructor(
    readonly backend: BackendName,
    /** What the rules are, e.g. `masquerade rules`. */
    what: string,
    readonly missing: readonly string[],
  ) {
    super(`${backend} ${what} missing: ${missing.join('; ')}`);
  }
}

/** CHECK found masquerade rules missing. */
export class MasqueradeCheckError extends FirewallCheckError {
  override readonly name = 'MasqueradeCheckError';
  constructor(backend: BackendName, missing: readonly string[]) {
    super(backend, 'masquerade rules', missing);
  }
}
