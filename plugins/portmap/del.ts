import { type AttachmentRequest, type Result, parsePrevResult, runSteps } from '../../lib/cni/index.ts';
import { backendsInUse, systemRunner } from '../../lib/firewall/index.ts';
import { type PortmapSpec, type PortmapTeardownTarget, portmap } from '../../lib/firewall/portmap/index.ts';
import { flushStaleUdp } from './apply.ts';
import { parsePortmapConfig } from './config.ts';
import { planPortmap } from './plan.ts';
import { loadState, removeState } from './state.ts';

/** prevResult if it is there and readable: DEL must clean up even after a broken one. */
function optionalPrevResult(req: AttachmentRequest): Result | undefined {
  try {
    return parsePrevResult(req.config);
  } catch {
    return undefined;
  }
}

/**
 * DEL: remove exactly what ADD installed, from the recorded state, or from the mappings the
 * runtime sent again; with neither there is nothing of ours (a pod without mappings costs one
 * failed file open). Every installed backend is asked, since the ADD may have used either.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parsePortmapConfig(req);
  const owner = { network: cfg.network, containerId: req.containerId, ifname: req.ifname };
  const state = loadState(cfg.stateDir, owner);
  let target: PortmapSpec | PortmapTeardownTarget | undefined = state?.spec;
  if (!target && cfg.mappings.length) {
    const prev = optionalPrevResult(req);
    // without prevResult the backends find the rules by owner
    target = prev ? planPortmap(cfg, req, prev) : { ...owner, mappings: cfg.mappings };
  }
  if (!target) return;
  const found = target;
  const runner = systemRunner();
  // the recorded backend alone when known; otherwise every installed one
  const backends = backendsInUse(portmap, runner).filter((b) => !state || b.name === state.backend);
  await runSteps('portmap DEL', backends.map((b) => [`${b.name} teardown`, () => b.teardown(found)] as const));
  if ('snat' in found) flushStaleUdp(found as PortmapSpec);
  removeState(cfg.stateDir, owner);
}
