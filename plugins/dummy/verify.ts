import type { Interface } from '../../lib/cni/index.ts';
import type { Link } from '../../lib/link/index.ts';

/**
 * The first way the dummy interface differs from prevResult, in words (the reference's
 * checks): it exists, is of kind dummy, has prevResult's MAC and is up. Undefined when so.
 */
export function firstDummyMismatch(ifname: string, want: Interface, link: Link | undefined): string | undefined {
  if (!link) return `interface ${ifname} does not exist`;
  if (link.kind !== 'dummy') return `interface ${ifname} is a ${link.kind ?? 'device without a kind'}, not a dummy`;
  if (want.mac && link.mac?.toLowerCase() !== want.mac.toLowerCase()) return `interface ${ifname} has MAC ${link.mac}, prevResult says ${want.mac}`;
  if (!link.up) return `interface ${ifname} is down`;
  return undefined;
}
