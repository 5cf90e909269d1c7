import { type ConfigRequest, type GcRequest, runSteps } from '../../lib/cni/index.ts';
import { backendStatus, backendsInUse, systemRunner } from '../../lib/firewall/index.ts';
import { portmap } from '../../lib/firewall/portmap/index.ts';
import { parsePortmapConfig } from './config.ts';
import { removeStatesExcept } from './state.ts';

/** GC: drop the rules and records of this network's attachments that are no longer valid. */
export async function gc(req: GcRequest): Promise<void> {
  const valid = req.validAttachments;
  if (!valid) return;
  const cfg = parsePortmapConfig(req);
  const runner = systemRunner();
  await runSteps('portmap GC', [
    ...backendsInUse(portmap, runner).map((b) => [`${b.name} GC`, () => b.gc(cfg.network, valid)] as const),
    ['state records', () => removeStatesExcept(cfg.stateDir, cfg.network, valid)],
  ]);
}

/**
 * STATUS: an ADD needs a usable backend: code 50 without one, 51 when the kernel also holds
 * running pods' port mappings only the missing tool could maintain.
 */
export async function status(req: ConfigRequest): Promise<void> {
  const cfg = parsePortmapConfig(req);
  backendStatus(portmap, cfg.backend, systemRunner());
}
