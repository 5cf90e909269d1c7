import type { AttachmentRequest } from '../../lib/cni/index.ts';
import { backendsInUse, systemRunner } from '../../lib/firewall/index.ts';
import { portmap } from '../../lib/firewall/portmap/index.ts';
import { removeMappings } from './apply.ts';
import { optionalPrevResult, parsePortmapConfig } from './config.ts';
import { planTeardown } from './plan.ts';
import { loadState } from './state.ts';

/**
 * DEL: remove exactly what ADD installed, from the recorded state, or from the mappings the
 * runtime sent again; with neither there is nothing of ours (a pod without mappings costs one
 * failed file open). A damaged or planted record still says ADD installed rules: they are
 * found by owner. Every installed backend is asked, since the ADD may have used either.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parsePortmapConfig(req);
  const prev = optionalPrevResult(req);
  const owner = { network: cfg.network, containerId: req.containerId, ifname: req.ifname };
  const loaded = loadState(cfg.stateDir, owner);
  const recorded = loaded.kind === 'recorded' ? loaded : undefined;
  const plan =
    loaded.kind === 'damaged' ? { target: owner, backend: undefined, flush: planTeardown(cfg, req, undefined, prev)?.flush } : planTeardown(cfg, req, recorded, prev);
  if (!plan) return;
  // the recorded backend alone when known; otherwise every installed one
  const backends = backendsInUse(portmap, systemRunner()).filter((b) => !plan.backend || b.name === plan.backend);
  await removeMappings(backends, plan, cfg.stateDir, owner);
}
