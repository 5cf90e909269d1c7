/**
 * The spec's error codes (CNI 1.1.0 section "Error"), plus 999 for anything uncategorised,
 * which is what Go's skel reports and what runtimes already know to show as "internal".
 */
export const ErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidConfig: 7,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  PluginNotAvailableLimitedConnectivity: 51,
  Internal: 999,
} as const;

/** One of the codes above. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The wire shape of a CNI error. */
export interface CniErrorJson {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}

/**
 * An error that crosses the protocol boundary as-is: the plugin entry point prints it as
 * the spec's error JSON. Anything else thrown by a handler becomes code 999.
 */
export class CniError extends Error {
  override readonly name = 'CniError';
  readonly code: number;
  readonly msg: string;
  readonly details: string | undefined;

  constructor(code: number, msg: string, details?: string, options?: { cause?: unknown }) {
    super(details ? `${msg}: ${details}` : msg, options);
    this.code = code;
    this.msg = msg;
    this.details = details;
  }

  /** The spec's JSON, with the config's version when one is known. */
  toJSON(cniVersion?: string): CniErrorJson {
    const out: CniErrorJson = cniVersion === undefined ? { code: this.code, msg: this.msg } : { cniVersion, code: this.code, msg: this.msg };
    if (this.details) out.details = this.details;
    return out;
  }
}

/** True for a CniError, also one from another copy of this module (a delegate's parsed error). */
export function isCniError(e: unknown): e is CniError {
  return e instanceof CniError || (e instanceof Error && e.name === 'CniError' && typeof (e as CniError).code === 'number');
}

/** Builds the error for invalid configuration (code 7) naming the key and the value. */
export function invalidConfig(key: string, value: unknown, why: string): CniError {
  return new CniError(ErrorCode.InvalidConfig, `invalid ${key} ${JSON.stringify(value)}: ${why}`);
}
