import { type ConfigRequest, type GcRequest, runSteps } from '../../lib/cni/index.ts';
import { backendStatus, backendsInUse, systemRunner } from '../../lib/firewall/index.ts';
import { portmap } from '../../lib/firewall/portmap/index.ts';
import { parsePortmapConfig } from './config.ts';
import { removeStatesExcept, staleRecordedSpecs } from './state.ts';

/**
 * GC: drop the rules and records of this network's attachments that are no longer valid.
 * Rules whose layout names no network (nftables rules commented with the container ID alone,
 * as Go's are) are found through the stale attachments' records, each torn down like a DEL
 * with its record; then every backend collects what its layout tells apart by network. The
 * records go last, and only when every step succeeded.
 */
export async function gc(req: GcRequest): Promise<void> {
  const valid = req.validAttachments;
  if (!valid) return;
  const cfg = parsePortmapConfig(req);
  const runner = systemRunner();
  const backends = backendsInUse(portmap, runner);
  const recorded = staleRecordedSpecs(cfg.stateDir, cfg.network, valid);
  await runSteps('portmap GC', [
    ...recorded.flatMap(({ backend, spec }) =>
      backends.filter((b) => b.name === backend).map((b) => [`${b.name} teardown of ${spec.containerId}:${spec.ifname}`, () => b.teardown(spec)] as const),
    ),
    ...backends.map((b) => [`${b.name} GC`, () => b.gc(cfg.network, valid)] as const),
  ]);
  // only once the rules are gone: a record is how the next GC finds rules a failed one left
  removeStatesExcept(cfg.stateDir, cfg.network, valid);
}

/**
 * STATUS: an ADD needs a usable backend: code 50 without one, 51 when the kernel also holds
 * running pods' port mappings only the missing tool could maintain.
 */
export async function status(req: ConfigRequest): Promise<void> {
  const cfg = parsePortmapConfig(req);
  backendStatus(portmap, cfg.backend, systemRunner());
}
