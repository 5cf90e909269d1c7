import { type AttachmentRequest, CniError, ErrorCode, requirePrevResult } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { getLink, listAddresses, listRoutes, missingL3 } from '../../lib/link/index.ts';
import { openContainerNetns, routeSocketIn } from '../../lib/netns/index.ts';
import { parseDummyConfig } from './config.ts';
import { firstDummyMismatch } from './verify.ts';

/**
 * CHECK: IPAM's own CHECK, then the interface as prevResult describes it (kind dummy, MAC, up),
 * its addresses and, beyond the reference, the routes.
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseDummyConfig(req);
  const prev = requirePrevResult(req.config, { msg: 'Required prevResult missing', details: 'CHECK needs the result of the ADD in prevResult' });
  await ipamClient(cfg.ipamType, req.path).check(req);
  const want = (prev.interfaces ?? []).find((i) => i.name === req.ifname && i.sandbox === req.netns);
  if (!want) throw new CniError(ErrorCode.Internal, `prevResult has no interface ${req.ifname} in sandbox ${req.netns}`);
  const ns = openContainerNetns(req.netns);
  try {
    const ctr = routeSocketIn(ns);
    try {
      const link = getLink(ctr, req.ifname);
      const problem =
        firstDummyMismatch(req.ifname, want, link) ??
        missingL3(req, prev, { addresses: link ? listAddresses(ctr, { index: link.index }) : [], routes: [...listRoutes(ctr, { family: 4 }), ...listRoutes(ctr, { family: 6 })] });
      if (problem) throw new CniError(ErrorCode.Internal, problem);
    } finally {
      ctr.close();
    }
  } finally {
    ns.close();
  }
}
