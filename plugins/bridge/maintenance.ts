import { type ConfigRequest, type GcRequest, runSteps } from '../../lib/cni/index.ts';
import { backendStatus, backendsInUse, gcEveryBackend, masquerade, systemRunner } from '../../lib/firewall/index.ts';
import { parseBridgeConfig } from './config.ts';
import { ipamClient } from '../../lib/ipam/index.ts';

/**
 * GC: remove this network's masquerade rules whose attachment is no longer valid, in every
 * backend, and forward GC to IPAM. Without a valid-attachments list nothing is removed: the
 * runtime would otherwise wipe every pod by sending an empty request.
 */
export async function gc(req: GcRequest): Promise<void> {
  const cfg = parseBridgeConfig(req);
  const steps: [string, () => unknown][] = [];
  if (cfg.ipMasq && cfg.ipamType && req.validAttachments) {
    const valid = req.validAttachments;
    steps.push(['masquerade GC', () => gcEveryBackend(backendsInUse(masquerade, systemRunner()), { network: cfg.network, valid })]);
  }
  const { ipamType } = cfg;
  if (ipamType) steps.push(['IPAM GC', () => ipamClient(ipamType, req.path).gc(req)]);
  await runSteps('bridge GC', steps);
}

/**
 * STATUS: can an ADD succeed? IPAM must say so, and masquerade needs a firewall tool: code 50
 * without one, 51 when the kernel also holds running pods' masquerade rules only the missing
 * tool could maintain.
 */
export async function status(req: ConfigRequest): Promise<void> {
  const cfg = parseBridgeConfig(req);
  if (cfg.ipMasq && cfg.ipamType) backendStatus(masquerade, cfg.ipMasqBackend, systemRunner());
  if (cfg.ipamType) await ipamClient(cfg.ipamType, req.path).status(req);
}
