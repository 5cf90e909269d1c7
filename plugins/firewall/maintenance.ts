import { type ConfigRequest, type GcRequest, runSteps } from '../../lib/cni/index.ts';
import { backendsInUse, systemRunner } from '../../lib/firewall/index.ts';
import { forwardRules } from '../../lib/firewall/forward/index.ts';
import { chooseBackend } from './backend.ts';
import { parseFirewallConfig } from './config.ts';

/**
 * GC: drop this network's address rules whose attachment is no longer valid. Only nftables
 * rules carry an owner; iptables rules (Go's layout) name an address only and are left.
 */
export async function gc(req: GcRequest): Promise<void> {
  const valid = req.validAttachments;
  if (!valid) return;
  const cfg = parseFirewallConfig(req);
  await runSteps('firewall GC', backendsInUse(forwardRules, systemRunner()).map((b) => [`${b.name} GC`, () => b.gc(cfg.network, valid)] as const));
}

/** STATUS: an ADD needs a usable backend (code 50 otherwise, and always for firewalld). */
export async function status(req: ConfigRequest): Promise<void> {
  chooseBackend(parseFirewallConfig(req), systemRunner());
}
