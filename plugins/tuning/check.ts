import { type AttachmentRequest, CniError, ErrorCode } from '../../lib/cni/index.ts';
import { inspectPod, validateAgainstPod } from './apply.ts';
import { openPod } from '../../lib/netns/index.ts';
import { parseTuningConfig, requirePrevResult } from './config.ts';
import { differences } from './plan.ts';

/** CHECK: the sysctls and link attributes are still what the configuration asks for. */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseTuningConfig(req);
  requirePrevResult(req);
  const pod = openPod(req.netns);
  try {
    const state = inspectPod(pod, cfg, req.ifname);
    validateAgainstPod(cfg, state, req.ifname); // what ADD would refuse is code 7 here too
    if (!state.link) throw new CniError(ErrorCode.Internal, `tuning CHECK: cannot find container link ${req.ifname}`);
    const diffs = differences(cfg, state.link, state.sysctls);
    if (diffs.length) throw new CniError(ErrorCode.Internal, `tuning CHECK failed: ${diffs.join('; ')}`);
  } finally {
    pod.close();
  }
}
