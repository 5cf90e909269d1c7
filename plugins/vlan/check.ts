import { type AttachmentRequest, CniError, ErrorCode, requirePrevResult } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { getLink, getVlanInfo, listAddresses, listRoutes } from '../../lib/link/index.ts';
import { openNamespaces } from '../../lib/netns/index.ts';
import { parseVlanConfig } from './config.ts';
import { type ObservedVlan, firstMismatch } from './verify.ts';

/**
 * CHECK: IPAM's own CHECK, then what prevResult and the config say must be in the kernel: the
 * master, the pod's VLAN device on it with the configured id (and MTU when set), its addresses
 * and IPAM's routes.
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseVlanConfig(req);
  const prev = requirePrevResult(req.config, { msg: 'Required prevResult missing', details: 'CHECK needs the result of the ADD in prevResult' });
  await ipamClient(cfg.ipamType, req.path).check(req);
  const want = (prev.interfaces ?? []).find((i) => i.name === req.ifname && i.sandbox === req.netns);
  if (!want) throw new CniError(ErrorCode.Internal, `prevResult has no interface ${req.ifname} in sandbox ${req.netns}`);

  const n = openNamespaces(req.netns);
  let seen: ObservedVlan;
  try {
    const link = getLink(n.ctr, req.ifname);
    seen = {
      link,
      vlan: link ? getVlanInfo(n.ctr, link.index) : undefined,
      master: getLink(cfg.linkInContainer ? n.ctr : n.host, cfg.master),
      addresses: link ? listAddresses(n.ctr, { index: link.index }) : [],
      routes: [...listRoutes(n.ctr, { family: 4 }), ...listRoutes(n.ctr, { family: 6 })],
    };
  } finally {
    n.close();
  }
  const problem = firstMismatch(req, cfg, prev, want, seen);
  if (problem) throw new CniError(ErrorCode.Internal, problem);
}
