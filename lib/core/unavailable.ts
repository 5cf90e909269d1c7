/**
 * The host lacks something an operation needs (a firewall tool, say): not a fault of the
 * request, and curable by installing it. The plugin boundary (lib/cni's skel) reports it as
 * CNI code 50, "plugin not available", so libraries below lib/cni need not know CNI codes;
 * with `existingPodsAffected` it is code 51: pods already running depend on the missing piece.
 */
export class UnavailableError extends Error {
  override readonly name: string = 'UnavailableError';
  constructor(
    /** What cannot be done and why, e.g. `no usable masquerade backend: none of iptables, nft found in PATH`. */
    message: string,
    /** What would help, if there is more to say (the CNI error's `details`). */
    readonly details?: string,
    /** Existing pods may have limited connectivity too (CNI code 51, not 50). */
    readonly existingPodsAffected: boolean = false,
  ) {
    super(message);
  }
}
