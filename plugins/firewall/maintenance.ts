import type { ConfigRequest, GcRequest } from '../../lib/cni/index.ts';
import { backendsInUse, systemRunner } from '../../lib/firewall/index.ts';
import { forwardRules } from '../../lib/firewall/forward/index.ts';
import { collectRules } from './apply.ts';
import { backendStatusOf } from './backend.ts';
import { parseFirewallConfig } from './config.ts';
import { planGcTeardowns } from './plan.ts';
import { recordsForGc } from './state.ts';

/**
 * GC: drop this network's address rules whose attachment is no longer valid, and their
 * records. nftables rules carry their owner; iptables rules (Go's layout) name an address
 * only, so they are found through the records ADD wrote (a Go ADD's rules stay).
 */
export async function gc(req: GcRequest): Promise<void> {
  const valid = req.validAttachments;
  if (!valid) return;
  const cfg = parseFirewallConfig(req);
  const records = recordsForGc(cfg.stateDir, cfg.network, valid);
  const stale = records.stale.map((r) => r.owner);
  await collectRules(backendsInUse(forwardRules, systemRunner()), cfg.network, valid, planGcTeardowns(cfg, records), stale, cfg.stateDir);
}

/**
 * STATUS: an ADD needs a usable backend (code 50 otherwise, and always for firewalld; 51 when
 * running pods' rules are in the kernel and only the missing tool could maintain them).
 */
export async function status(req: ConfigRequest): Promise<void> {
  backendStatusOf(parseFirewallConfig(req), systemRunner());
}
