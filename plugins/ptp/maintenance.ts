import { type ConfigRequest, type GcRequest, runSteps } from '../../lib/cni/index.ts';
import { backendStatus, backendsInUse, gcEveryBackend, masquerade, systemRunner } from '../../lib/firewall/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { parsePtpConfig } from './config.ts';

/**
 * GC: remove this network's masquerade rules whose attachment is no longer valid, in every
 * backend, and forward GC to IPAM (the reference has no GC: its rules of vanished pods stay).
 * Without a valid-attachments list nothing is removed: the runtime would otherwise wipe every
 * pod by sending an empty request.
 */
export async function gc(req: GcRequest): Promise<void> {
  const cfg = parsePtpConfig(req);
  const steps: [string, () => unknown][] = [];
  if (cfg.ipMasq && req.validAttachments) {
    const valid = req.validAttachments;
    steps.push(['masquerade GC', () => gcEveryBackend(backendsInUse(masquerade, systemRunner()), { network: cfg.network, valid })]);
  }
  steps.push(['IPAM GC', () => ipamClient(cfg.ipamType, req.path).gc(req)]);
  await runSteps('ptp GC', steps);
}

/**
 * STATUS: can an ADD succeed? IPAM must say so, and masquerade needs a firewall tool: code 50
 * without one, 51 when the kernel also holds running pods' masquerade rules only the missing
 * tool could maintain.
 */
export async function status(req: ConfigRequest): Promise<void> {
  const cfg = parsePtpConfig(req);
  if (cfg.ipMasq) backendStatus(masquerade, cfg.ipMasqBackend, systemRunner());
  await ipamClient(cfg.ipamType, req.path).status(req);
}
