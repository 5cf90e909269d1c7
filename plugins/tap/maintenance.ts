import type { ConfigRequest, GcRequest } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { parseTapConfig } from './config.ts';

/** GC: IPAM's (the reference has none); a tap without IPAM keeps nothing outside the pod. */
export async function gc(req: GcRequest): Promise<void> {
  const cfg = parseTapConfig(req);
  if (cfg.ipamType !== undefined) await ipamClient(cfg.ipamType, req.path).gc(req);
}

/** STATUS: IPAM's, as the reference; without IPAM an ADD needs nothing from outside the pod. */
export async function status(req: ConfigRequest): Promise<void> {
  const cfg = parseTapConfig(req);
  if (cfg.ipamType !== undefined) await ipamClient(cfg.ipamType, req.path).status(req);
}
