import type { BackendName } from '../backend.ts';
import { FirewallCheckError } from '../errors.ts';

/**
 * A spec the backends refuse before running anything: a value that is not an address, a
 * port out of range, or text that would break out of an iptables-restore or nft line.
 */
export class PortmapInputError extends Error {
  override readonly name = 'PortmapInputError';
}

/** CHECK found pieces missing; `missing` describes each absent chain, set or rule. */
export class PortmapCheckError extends FirewallCheckError {
  override readonly name = 'PortmapCheckError';
  constructor(backend: BackendName, missing: readonly string[]) {
    super(backend, 'port mapping rules', missing);
  }
}
