import type { ConfigRequest, GcRequest } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { parseIpamType } from './config.ts';

/** GC: the plugin keeps no state of its own (a pod's ipvlan goes with its namespace); IPAM's GC. */
export async function gc(req: GcRequest): Promise<void> {
  const ipamType = parseIpamType(req);
  if (ipamType) await ipamClient(ipamType, req.path).gc(req);
}

/** STATUS: can an ADD succeed? IPAM must say so (without IPAM there is nothing to run out of). */
export async function status(req: ConfigRequest): Promise<void> {
  const ipamType = parseIpamType(req);
  if (ipamType) await ipamClient(ipamType, req.path).status(req);
}
