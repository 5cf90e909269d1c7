import { type AttachmentRequest, CniError, ErrorCode } from '../../lib/cni/index.ts';
import { openPod, readPodRouting } from './apply.ts';
import { parseSbrConfig, requireSbrPrevResult } from './config.ts';
import { missingFor, selectAddresses } from './plan.ts';

/**
 * CHECK: every address of the interface in prevResult still has its "from" rule (into the
 * configured table when there is one) and, in a table sbr chose, the default route via its
 * gateway. Go's CHECK checks nothing.
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseSbrConfig(req);
  const prev = requireSbrPrevResult(req);
  const addresses = selectAddresses(prev, req.ifname);
  const pod = openPod(req.netns);
  try {
    const routing = readPodRouting(pod.sock, req.ifname);
    const missing = addresses.map((a) => missingFor(a, routing, cfg.table)).filter((m): m is string => m !== undefined);
    if (missing.length) throw new CniError(ErrorCode.Internal, `sbr CHECK failed for ${req.ifname}: ${missing.join('; ')}`);
  } finally {
    pod.close();
  }
}
