import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { applySbr, openPod, readPodRouting } from './apply.ts';
import { parseSbrConfig, requireSbrPrevResult } from './config.ts';
import { planSbr, selectAddresses } from './plan.ts';

/**
 * ADD: check the configuration and prevResult, then, in the pod's namespace and under its
 * lock, read the rules and routes, plan, and apply; the result is prevResult unchanged. A
 * failure rolls back every rule and route change (the reference keeps what it did).
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseSbrConfig(req);
  const prev = requireSbrPrevResult(req);
  const addresses = selectAddresses(prev, req.ifname);
  const pod = openPod(req.netns);
  const undo = new UndoStack();
  try {
    const plan = planSbr(addresses, readPodRouting(pod.sock, req.ifname), cfg.table);
    applySbr(pod.sock, plan, undo);
    undo.commit();
    return prev;
  } catch (e) {
    const undoErrors = await undo.unwind();
    // stdout carries the ADD's own error; what the rollback could not undo goes to the log
    for (const u of undoErrors) process.stderr.write(`sbr: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    pod.close();
  }
}
