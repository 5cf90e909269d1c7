import type { AttachmentRequest } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { deleteOwnInterface } from '../../lib/link/index.ts';
import { parseDummyConfig } from './config.ts';

/**
 * DEL: delete the pod's dummy interface and release IPAM's address, each independently (see deleteOwnInterface: only
 * a dummy is deleted, and a vanished namespace still releases).
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parseDummyConfig(req);
  await deleteOwnInterface(req, { plugin: 'dummy', kind: 'dummy', noun: 'a dummy', release: () => ipamClient(cfg.ipamType, req.path).del(req) });
}
