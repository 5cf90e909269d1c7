import { type AttachmentRequest, CniError, ErrorCode, requirePrevResult } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { type NetlinkSocket, getLink, getLinkAlias, listAddresses, listRoutes } from '../../lib/link/index.ts';
import { openContainerNetns, routeSocketIn } from '../../lib/netns/index.ts';
import { parseHostDeviceConfig } from './config.ts';
import { type ObservedDevice, firstMismatch } from './verify.ts';

function observe(sock: NetlinkSocket, ifname: string): ObservedDevice {
  const link = getLink(sock, ifname);
  return {
    link,
    alias: link ? (getLinkAlias(sock, link.index) ?? '') : '',
    addresses: link ? listAddresses(sock, { index: link.index }) : [],
    routes: [...listRoutes(sock, { family: 4 }), ...listRoutes(sock, { family: 6 })],
  };
}

/**
 * CHECK: IPAM's own CHECK, then what prevResult says must be in the pod: the device under
 * CNI_IFNAME with its MAC, its original name still recorded, its addresses and routes. A
 * DPDK-bound function has no netdev to look at.
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseHostDeviceConfig(req);
  const prev = requirePrevResult(req.config, { msg: 'Required prevResult missing', details: 'CHECK needs the result of the ADD in prevResult' });
  if (cfg.ipamType) await ipamClient(cfg.ipamType, req.path).check(req);
  if (cfg.dpdk) return;
  const want = (prev.interfaces ?? []).find((i) => i.name === req.ifname && i.sandbox === req.netns);
  if (!want) throw new CniError(ErrorCode.Internal, `prevResult has no interface ${req.ifname} in sandbox ${req.netns}`);
  const pod = openContainerNetns(req.netns);
  let seen: ObservedDevice;
  try {
    const sock = routeSocketIn(pod);
    try {
      seen = observe(sock, req.ifname);
    } finally {
      sock.close();
    }
  } finally {
    pod.close();
  }
  const problem = firstMismatch(req, prev, want, seen);
  if (problem) throw new CniError(ErrorCode.Internal, problem);
}
