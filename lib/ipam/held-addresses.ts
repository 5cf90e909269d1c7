import { type Cidr, parseCidr } from '../addr/index.ts';
import { type NetConf, readablePrevResult } from '../cni/index.ts';

/**
 * The addresses a DEL cleans up after (their masquerade rules, their firewall state): those
 * still on the pod's interface, else the prevResult's. Unreadable ones are skipped (nothing of
 * ours can name them), and a prevResult that does not decode gives none: the firewall
 * backends then find an attachment's rules by its owner.
 */
export function heldAddresses(onInterface: readonly string[], config: NetConf): Cidr[] {
  let addresses = onInterface;
  if (!addresses.length) addresses = (readablePrevResult(config)?.ips ?? []).map((i) => i.address);
  const out: Cidr[] = [];
  for (const a of addresses) {
    try {
      out.push(parseCidr(a));
    } catch {
      // skipped, see above
    }
  }
  return out;
}
