import { createHash } from 'node:crypto';

// Chain names and comments are an on-host contract with the Go reference plugins: a node
// upgraded in place (or downgraded) must find the rules the other implementation made.
// Golden vectors: shared/docs/reference-benchmarks.md section 3.1.

/** Lowercase hex of sha512 over the concatenated parts (no separator, as Go does). */
export function sha512Hex(...parts: readonly string[]): string {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** `CNI-` + 24 hex chars of sha512(network + containerID): the bridge/ptp masquerade chain (28 chars). */
export function masqChainName(network: string, containerId: string): string {
  return `CNI-${sha512Hex(network, containerId).slice(0, 24)}`;
}

/** `CNI-DN-` + 21 hex chars of the same hash: the portmap per-container DNAT chain (28 chars). */
export function portmapDnatChainName(network: string, containerId: string): string {
  return `CNI-DN-${sha512Hex(network, containerId).slice(0, 21)}`;
}

/** `CNI-SN-` + 21 hex chars: the SNAT chain of older portmap versions, only ever torn down. */
export function portmapLegacySnatChainName(network: string, containerId: string): string {
  return `CNI-SN-${sha512Hex(network, containerId).slice(0, 21)}`;
}

/** The comment the Go ipMasq code puts on every masquerade rule. */
export function masqComment(network: string, containerId: string): string {
  return `name: "${network}" id: "${containerId}"`;
}
