import { ipToString } from '../../lib/addr/index.ts';
import type { ConfigRequest, GcRequest } from '../../lib/cni/index.ts';
import { backendsInUse, systemRunner } from '../../lib/firewall/index.ts';
import { forwardRules } from '../../lib/firewall/forward/index.ts';
import { collectRules } from './apply.ts';
import { backendStatusOf } from './backend.ts';
import { parseFirewallConfig } from './config.ts';
import { planGc } from './plan.ts';
import { recordsForGc } from './state.ts';

/**
 * GC: drop this network's address rules whose attachment is no longer valid, and their
 * records. nftables rules carry their owner; iptables rules (Go's layout) name an address
 * only, so they are found through the records ADD wrote (a Go ADD's rules stay, and while a
 * valid attachment has no record, so do the stale records' rules: see planGc).
 */
export async function gc(req: GcRequest): Promise<void> {
  const valid = req.validAttachments;
  if (!valid) return;
  const cfg = parseFirewallConfig(req);
  const records = recordsForGc(cfg.stateDir, cfg.network, valid);
  const plan = planGc(cfg, records);
  for (const k of plan.kept) {
    const unknown = records.unrecordedValid.map((a) => `${a.containerId}:${a.ifname}`).join(', ');
    process.stderr.write(
      `firewall: GC: keeping the rules of ${k.ips.map(ipToString).join(', ')} (stale record of ${k.containerId}:${k.ifname}) and its record: ` +
        `valid attachments without a record of ours (${unknown}) may use the address; a GC whose valid attachments all have records removes them\n`,
    );
  }
  await collectRules(backendsInUse(forwardRules, systemRunner()), cfg.network, valid, plan.teardowns, plan.forget, cfg.stateDir);
}

/**
 * STATUS: an ADD needs a usable backend (code 50 otherwise, and always for firewalld; 51 when
 * running pods' rules are in the kernel and only the missing tool could maintain them).
 */
export async function status(req: ConfigRequest): Promise<void> {
  backendStatusOf(parseFirewallConfig(req), systemRunner());
}
