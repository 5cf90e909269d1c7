import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { NetlinkSocket, applyShaping, findHostVeth } from './apply.ts';
import { parseBandwidthConfig, requirePrevResult } from './config.ts';
import { ifbName, resultWithIfb } from './plan.ts';

/**
 * ADD: check the configuration, find the host side of the pod's veth, then shape. Each change
 * registers its undo, so a failed ADD leaves no qdisc and no ifb (Go's leaves what it made).
 * The result is prevResult, with the ifb appended when egress is shaped.
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseBandwidthConfig(req);
  const prev = requirePrevResult(req);
  if (!cfg.ingress && !cfg.egress) return prev;
  const host = NetlinkSocket.open();
  const undo = new UndoStack();
  try {
    const veth = findHostVeth(host, req.netns, req.ifname, prev);
    const ifb = applyShaping(host, veth, cfg, ifbName(req.config.name, req.containerId), undo);
    undo.commit();
    return resultWithIfb(prev, ifb);
  } catch (e) {
    const undoErrors = await undo.unwind();
    // stdout carries the ADD's own error; what the rollback could not undo goes to the log
    for (const u of undoErrors) process.stderr.write(`bandwidth: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    host.close();
  }
}
