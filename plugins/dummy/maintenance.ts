import type { ConfigRequest, GcRequest } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { parseDummyConfig } from './config.ts';

/** GC: IPAM's (the reference has none): the interface lives and dies with the pod's namespace. */
export async function gc(req: GcRequest): Promise<void> {
  await ipamClient(parseDummyConfig(req).ipamType, req.path).gc(req);
}

/** STATUS: IPAM's, as the reference. */
export async function status(req: ConfigRequest): Promise<void> {
  await ipamClient(parseDummyConfig(req).ipamType, req.path).status(req);
}
