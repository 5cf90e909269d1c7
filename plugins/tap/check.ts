import { type AttachmentRequest, CniError, ErrorCode, requirePrevResult } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { getLink, listAddresses, listRoutes, missingL3, tapInfo } from '../../lib/link/index.ts';
import { openContainerNetns, routeSocketIn } from '../../lib/netns/index.ts';
import { parseTapConfig } from './config.ts';
import { firstTapMismatch } from './verify.ts';

/**
 * CHECK: IPAM's own CHECK, then what prevResult and the configuration say must be so: the
 * tap (kind, persistence, multi-queue, owner, group, MAC, up, bridge port), its addresses and
 * the routes.
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseTapConfig(req);
  const prev = requirePrevResult(req.config, { msg: 'Required prevResult missing', details: 'CHECK needs the result of the ADD in prevResult' });
  if (cfg.ipamType !== undefined) await ipamClient(cfg.ipamType, req.path).check(req);
  const want = (prev.interfaces ?? []).find((i) => i.name === req.ifname && i.sandbox === req.netns);
  if (!want) throw new CniError(ErrorCode.Internal, `prevResult has no interface ${req.ifname} in sandbox ${req.netns}`);

  const ns = openContainerNetns(req.netns);
  try {
    const ctr = routeSocketIn(ns);
    try {
      const link = getLink(ctr, req.ifname);
      const seen = { link, info: link?.kind === 'tun' ? tapInfo(ctr, req.ifname) : undefined, bridge: cfg.bridge === undefined ? undefined : getLink(ctr, cfg.bridge) };
      const problem =
        firstTapMismatch(req.ifname, cfg, want, seen) ??
        missingL3(req, prev, { addresses: link ? listAddresses(ctr, { index: link.index }) : [], routes: [...listRoutes(ctr, { family: 4 }), ...listRoutes(ctr, { family: 6 })] });
      if (problem) throw new CniError(ErrorCode.Internal, problem);
    } finally {
      ctr.close();
    }
  } finally {
    ns.close();
  }
}
