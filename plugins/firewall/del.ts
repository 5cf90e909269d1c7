import type { AttachmentRequest } from '../../lib/cni/index.ts';
import { backendsInUse, systemRunner } from '../../lib/firewall/index.ts';
import { forwardRules } from '../../lib/firewall/forward/index.ts';
import { removeRules } from './apply.ts';
import { optionalPrevResult, parseFirewallConfig } from './config.ts';
import { planTeardown } from './plan.ts';
import { loadRecord } from './state.ts';

/**
 * DEL: remove the attachment's address rules, then its record. The addresses come from
 * prevResult, else from what ADD recorded (iptables rules name only addresses, as Go's do; a
 * runtime below 0.4.0 sends no prevResult); with neither, nftables still finds the rules by
 * their owner comment. Every installed backend is asked (the ADD may have used either, or been
 * Go's), or only the recorded one. Shared chains and isolation rules stay, as in Go. Succeeds
 * when nothing is there.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parseFirewallConfig(req);
  const owner = { network: cfg.network, containerId: req.containerId, ifname: req.ifname };
  const prev = optionalPrevResult(req);
  const record = prev ? undefined : loadRecord(cfg.stateDir, owner);
  const spec = planTeardown(cfg, req, prev, record?.ips);
  const backends = backendsInUse(forwardRules, systemRunner()).filter((b) => !record || b.name === record.backend);
  await removeRules(backends, spec, cfg.stateDir);
}
