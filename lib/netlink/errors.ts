import { errnoMessage, errnoName } from '../sys/index.ts';

/** Options for {@link NetlinkError}. */
export interface NetlinkErrorOptions {
  /** What was being done ("create bridge cni0"), prefixed to the message. */
  readonly what?: string | undefined;
  /** The kernel's extended-ACK text (NLMSGERR_ATTR_MSG). */
  readonly extAck?: string | undefined;
  /** Overrides the errno description (used for timeouts). */
  readonly detail?: string | undefined;
  readonly cause?: unknown;
}

/**
 * A netlink request the kernel refused (or never answered). `code` is the errno name so
 * callers can treat EEXIST / ENODEV / ESRCH as expected outcomes without parsing text.
 */
export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  /** Positive errno. */
  readonly errno: number;
  /** Symbolic errno, e.g. 'EEXIST'. */
  readonly code: string;
  /** Kernel extended-ACK message, when the kernel sent one. */
  readonly extAck: string | undefined;

  constructor(errno: number, options: NetlinkErrorOptions = {}) {
    const code = errnoName(errno);
    const head = options.what === undefined ? 'netlink' : options.what;
    const ack = options.extAck === undefined || options.extAck === '' ? '' : `: ${options.extAck}`;
    super(`${head}: ${options.detail ?? errnoMessage(errno)} (${code})${ack}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.errno = errno;
    this.code = code;
    this.extAck = options.extAck;
  }
}

/** True when `err` is a NetlinkError with one of the given codes. */
export function isNetlinkError(err: unknown, ...codes: string[]): err is NetlinkError {
  return err instanceof NetlinkError && (codes.length === 0 || codes.includes(err.code));
}
