import { type ConfigRequest, type GcRequest } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { parseDelConfig } from './config.ts';

// host-device keeps no state of its own: GC and STATUS are IPAM's, when there is one. The
// lenient parse is enough: neither moves a device.

/** GC: forwarded to IPAM, which releases the addresses of attachments no longer valid. */
export async function gc(req: GcRequest): Promise<void> {
  const { ipamType } = parseDelConfig(req);
  if (ipamType) await ipamClient(ipamType, req.path).gc(req);
}

/** STATUS: IPAM must be able to give addresses; without IPAM an ADD needs nothing else. */
export async function status(req: ConfigRequest): Promise<void> {
  const { ipamType } = parseDelConfig(req);
  if (ipamType) await ipamClient(ipamType, req.path).status(req);
}
