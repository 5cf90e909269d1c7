import type { AttachmentRequest } from '../../lib/cni/index.ts';
import { backendsInUse, systemRunner } from '../../lib/firewall/index.ts';
import { forwardRules } from '../../lib/firewall/forward/index.ts';
import { removeRules } from './apply.ts';
import { optionalPrevResult, parseFirewallConfig } from './config.ts';
import { planTeardown } from './plan.ts';

/**
 * DEL: remove the attachment's address rules from every installed backend (the ADD may have
 * used either, or been Go's). Without prevResult, iptables has nothing to go by (its rules
 * name only addresses, as Go's do) while nftables finds the rules by their owner comment.
 * Shared chains and isolation rules stay, as in Go. Succeeds when nothing is there.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parseFirewallConfig(req);
  const spec = planTeardown(cfg, req, optionalPrevResult(req));
  await removeRules(backendsInUse(forwardRules, systemRunner()), spec);
}
