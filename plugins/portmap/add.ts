import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { selectBackend, systemRunner } from '../../lib/firewall/index.ts';
import { portmap } from '../../lib/firewall/portmap/index.ts';
import { installMappings } from './apply.ts';
import { parsePortmapConfig, requirePrevResult } from './config.ts';
import { hasContainerAddress, planPortmap, conntrackFlushPlan } from './plan.ts';

/** ADD: DNAT rules for every mapping in one transaction, then pass prevResult through. */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parsePortmapConfig(req);
  const prev = requirePrevResult(req);
  if (!cfg.mappings.length) return prev;
  const spec = planPortmap(cfg, req, prev);
  if (!hasContainerAddress(spec)) return prev; // nothing on CNI_IFNAME to forward to
  const flush = conntrackFlushPlan(spec);
  const backend = selectBackend(portmap, cfg.backend, systemRunner());
  await installMappings(backend, cfg.stateDir, spec, flush);
  return prev;
}
