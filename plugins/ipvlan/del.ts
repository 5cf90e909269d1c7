import type { AttachmentRequest } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { deleteOwnInterface } from '../../lib/link/index.ts';
import { parseIpamType } from './config.ts';

/**
 * DEL: remove the pod's ipvlan and release IPAM's address, each independently (see deleteOwnInterface: only
 * an ipvlan is deleted, and a vanished namespace still releases). The master is not looked up, so
 * a DEL succeeds after the master is gone.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const ipamType = parseIpamType(req);
  await deleteOwnInterface(req, { plugin: 'ipvlan', kind: 'ipvlan', noun: 'an ipvlan', release: ipamType ? () => ipamClient(ipamType, req.path).del(req) : undefined });
}
