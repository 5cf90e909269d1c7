/**
 * A malformed address or prefix, or arithmetic that leaves the address family. Callers turn
 * it into their own error (a plugin into CniError code 7 naming the config key).
 */
export class AddrError extends Error {
  override readonly name = 'AddrError';
  /** The text or value that was rejected. */
  readonly input: string;

  constructor(message: string, input: string) {
    super(message);
    this.input = input;
  }
}
