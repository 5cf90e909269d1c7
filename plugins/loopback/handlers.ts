import { type AttachmentRequest, type Result, parsePrevResult } from '../../lib/cni/index.ts';
import { bringLoopbackUp, checkLoopbackUp, takeLoopbackDown } from '../../lib/link/index.ts';
import { openContainerNetns, openContainerNetnsForDel } from '../../lib/netns/index.ts';
import { loopbackResult } from './result.ts';

// loopback works on `lo` inside CNI_NETNS whatever CNI_IFNAME says (containerd passes "lo").

/** Brings `lo` up and reports its addresses, or passes prevResult through when chained. */
export async function add(req: AttachmentRequest): Promise<Result> {
  const prev = parsePrevResult(req.config);
  const addresses = bringLoopbackUp(openContainerNetns(req.netns), req.netns);
  const own = loopbackResult(addresses, req.netns); // also when chained: it refuses a misconfigured lo
  return prev ?? own;
}

/** Takes `lo` down; an empty or vanished netns has nothing left to do. */
export async function del(req: AttachmentRequest): Promise<void> {
  const ns = openContainerNetnsForDel(req.netns);
  if (ns) takeLoopbackDown(ns);
}

/** Fails unless `lo` is up. */
export async function check(req: AttachmentRequest): Promise<void> {
  checkLoopbackUp(openContainerNetns(req.netns), req.netns);
}
