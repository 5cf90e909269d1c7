import type { AttachmentRequest } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { deleteOwnInterface } from '../../lib/link/index.ts';
import { parseTapIpamType } from './config.ts';

/**
 * DEL: delete the pod's tap and release IPAM's address, each independently (see deleteOwnInterface: only
 * a tap is deleted, and a vanished namespace still releases).
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const ipamType = parseTapIpamType(req);
  await deleteOwnInterface(req, { plugin: 'tap', kind: 'tun', noun: 'a tap', release: ipamType === undefined ? undefined : () => ipamClient(ipamType, req.path).del(req) });
}
