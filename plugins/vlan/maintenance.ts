import { type ConfigRequest, CniError, ErrorCode, type GcRequest } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { NetlinkSocket, getLink } from '../../lib/link/index.ts';
import { parseVlanConfig } from './config.ts';

/** GC: the plugin keeps no state of its own; IPAM's reservations are IPAM's to collect. */
export async function gc(req: GcRequest): Promise<void> {
  const cfg = parseVlanConfig(req);
  await ipamClient(cfg.ipamType, req.path).gc(req);
}

/**
 * STATUS: can an ADD succeed? The master must exist on the node (the reference leaves this as
 * a TODO; a master in the pod cannot be looked at without a pod), and IPAM must say so.
 */
export async function status(req: ConfigRequest): Promise<void> {
  const cfg = parseVlanConfig(req);
  if (!cfg.linkInContainer) {
    const sock = NetlinkSocket.open();
    try {
      if (!getLink(sock, cfg.master)) throw new CniError(ErrorCode.PluginNotAvailable, `master ${cfg.master} does not exist on the node`, 'the VLAN devices are made on it: create it or change "master"');
    } finally {
      sock.close();
    }
  }
  await ipamClient(cfg.ipamType, req.path).status(req);
}
