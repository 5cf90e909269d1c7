import { type AttachmentRequest, CniError, ErrorCode } from '../../lib/cni/index.ts';
import { selectBackend, systemRunner } from '../../lib/firewall/index.ts';
import { portmap } from '../../lib/firewall/portmap/index.ts';
import { parsePortmapConfig, requirePrevResult } from './config.ts';
import { hasContainerAddress, planPortmap } from './plan.ts';

/** CHECK: the rules of every mapping exist, for the families the pod has. */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parsePortmapConfig(req);
  const prev = requirePrevResult(req);
  if (!cfg.mappings.length) return;
  const spec = planPortmap(cfg, req, prev);
  if (!hasContainerAddress(spec)) return;
  const backend = selectBackend(portmap, cfg.backend, systemRunner());
  try {
    await backend.check(spec);
  } catch (e) {
    throw new CniError(ErrorCode.Internal, `portmap CHECK failed: ${(e as Error).message}`);
  }
}
