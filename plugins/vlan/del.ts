import type { AttachmentRequest } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { deleteOwnInterface } from '../../lib/link/index.ts';
import { parseVlanConfig } from './config.ts';

/**
 * DEL: remove the pod's VLAN device and release IPAM's address, each independently (see deleteOwnInterface: only
 * a VLAN device is deleted, and a vanished namespace still releases). A master that is gone (which
 * fails the reference's DEL before it releases anything) still releases the address.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parseVlanConfig(req);
  await deleteOwnInterface(req, { plugin: 'vlan', kind: 'vlan', noun: 'a VLAN device', release: () => ipamClient(cfg.ipamType, req.path).del(req) });
}
