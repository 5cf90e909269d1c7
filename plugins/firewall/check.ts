import { type AttachmentRequest, CniError, ErrorCode } from '../../lib/cni/index.ts';
import { FirewallCheckError, systemRunner } from '../../lib/firewall/index.ts';
import { chooseBackend } from './backend.ts';
import { parseFirewallConfig, requirePrevResult } from './config.ts';
import { planForward } from './plan.ts';

/** CHECK: the chains, jumps, address rules and isolation rules ADD would install are all there. */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseFirewallConfig(req);
  const prev = requirePrevResult(req);
  const spec = planForward(cfg, req, prev);
  const backend = chooseBackend(cfg, systemRunner());
  if (spec.ips.length === 0) return;
  try {
    await backend.check(spec);
  } catch (e) {
    if (!(e instanceof FirewallCheckError)) throw e;
    throw new CniError(ErrorCode.Internal, `firewall CHECK failed: ${e.message}`);
  }
}
