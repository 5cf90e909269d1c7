import { type AttachmentRequest, CniError, ErrorCode } from '../../lib/cni/index.ts';
import { getLink, lookupVrf } from '../../lib/link/index.ts';
import { parseVrfConfig, requirePrevResult } from './config.ts';
import { openPod } from '../../lib/netns/index.ts';

/** CHECK: the VRF exists (with the configured table, when one is set) and the interface is in it. */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseVrfConfig(req);
  requirePrevResult(req);
  const pod = openPod(req.netns);
  try {
    const found = lookupVrf(pod.sock, cfg.vrfname);
    if (found.state !== 'vrf') throw new CniError(ErrorCode.Internal, `VRF ${cfg.vrfname} does not exist in ${req.netns}${found.state === 'other' ? ' (a link of that name is not a VRF)' : ''}`);
    if (cfg.table !== undefined && found.vrf.table !== cfg.table) throw new CniError(ErrorCode.Internal, `VRF ${cfg.vrfname} has table ${found.vrf.table}, the config says ${cfg.table}`);
    const port = getLink(pod.sock, req.ifname);
    if (!port) throw new CniError(ErrorCode.Internal, `interface ${req.ifname} does not exist in ${req.netns}`);
    if (port.master !== found.vrf.index) throw new CniError(ErrorCode.Internal, `failed to find ${req.ifname} associated to vrf ${cfg.vrfname}`);
  } finally {
    pod.close();
  }
}
