import { type ConfigRequest, type GcRequest, runSteps } from '../../lib/cni/index.ts';
import { backendStatus, backendsInUse, gcEveryBackend, macSpoofCheck, masquerade, systemRunner } from '../../lib/firewall/index.ts';
import { bridgeOwnsHostInterface } from '../../lib/link/index.ts';
import { parseBridgeConfig } from './config.ts';
import { ipamClient } from '../../lib/ipam/index.ts';

/**
 * GC: remove this network's masquerade rules and MAC spoof checks whose attachment is no
 * longer valid, in every backend, and forward GC to IPAM. Without a valid-attachments list
 * nothing is removed: the runtime would otherwise wipe every pod by sending an empty request.
 * The spoof check's layout names no network, so a check counts as this network's when its
 * host veth is a port of this bridge or is gone (see bridgeOwnsHostInterface).
 */
export async function gc(req: GcRequest): Promise<void> {
  const cfg = parseBridgeConfig(req);
  const steps: [string, () => unknown][] = [];
  const valid = req.validAttachments;
  if (cfg.ipMasq && cfg.ipamType && valid) {
    steps.push(['masquerade GC', () => gcEveryBackend(backendsInUse(masquerade, systemRunner()), { network: cfg.network, valid })]);
  }
  if (cfg.macspoofchk && valid) {
    steps.push([
      'MAC spoof check GC',
      () => {
        const backends = backendsInUse(macSpoofCheck, systemRunner());
        if (!backends.length) return undefined; // no table: no check of anyone's
        const scope = { hostInterfaceIsOurs: bridgeOwnsHostInterface(cfg.bridge) };
        return gcEveryBackend(backends, { network: cfg.network, valid, scope });
      },
    ]);
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
