import { type AttachmentRequest, CniError, ErrorCode } from '../../lib/cni/index.ts';
import { selectBackend, systemRunner } from '../../lib/firewall/index.ts';
import { onlyLocalnetGuardMissing, portmap } from '../../lib/firewall/portmap/index.ts';
import { parsePortmapConfig, requirePrevResult } from './config.ts';
import { hasContainerAddress, planPortmap } from './plan.ts';
import { loadState } from './state.ts';

/**
 * CHECK: the rules of every mapping exist, for the families the pod has, and so does the
 * node's localnet guard, unless the attachment has no record of ours: then another
 * implementation (the Go plugin, before a switch in place) added it, which installs no guard,
 * and its missing guard is named on stderr instead of failing a pod whose mappings all work.
 */
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
    if (onlyLocalnetGuardMissing(e) && loadState(cfg.stateDir, { network: cfg.network, containerId: req.containerId, ifname: req.ifname }).kind === 'none') {
      process.stderr.write(
        `portmap: CHECK: no record of this attachment in ${cfg.stateDir} (another implementation added it) and the node has no localnet guard ` +
          `(${e.missing.join('; ')}); its mappings are all in place, so CHECK passes: the next ADD of ours installs the guard\n`,
      );
      return;
    }
    throw new CniError(ErrorCode.Internal, `portmap CHECK failed: ${(e as Error).message}`);
  }
}
