import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { systemRunner } from '../../lib/firewall/index.ts';
import { installRules } from './apply.ts';
import { chooseBackend } from './backend.ts';
import { parseFirewallConfig, requirePrevResult } from './config.ts';
import { planForward } from './plan.ts';

/** ADD: the pod's ACCEPT rules (and its bridge's isolation), recorded for DEL and GC, then prevResult passed through. */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseFirewallConfig(req);
  const prev = requirePrevResult(req);
  const spec = planForward(cfg, req, prev);
  const backend = chooseBackend(cfg, systemRunner());
  if (spec.ips.length > 0) await installRules(backend, spec, cfg.stateDir); // Go adds nothing, isolation included, for a pod without addresses
  return prev;
}
