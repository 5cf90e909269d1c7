import { existsSync } from 'node:fs';
import { type AttachmentRequest, CniError, ErrorCode, settleSteps, startStep } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { getLink, getLinkAlias } from '../../lib/link/index.ts';
import { openContainerNetnsForDel } from '../../lib/netns/index.ts';
import { moveDeviceOutOfPod, openMoveSides } from './apply.ts';
import { parseDelConfig } from './config.ts';

/**
 * Returns the pod's CNI_IFNAME to the node under its original name (the link's alias, as
 * either implementation's ADD set it; the configuration's `device` when the alias is lost).
 * Nothing to do when the pod namespace or the interface is gone: a namespace's end takes a
 * virtual device (veth, macvlan) with it, and the kernel returns a physical one to the
 * initial network namespace, which is not ours to touch.
 */
async function restoreDevice(req: AttachmentRequest, fallbackName: string | undefined): Promise<void> {
  const pod = openContainerNetnsForDel(req.netns);
  if (!pod) {
    if (req.netns && !existsSync(req.netns)) process.stderr.write(`host-device: ${req.netns} is gone: ${req.ifname} went with it (destroyed if virtual; a physical device is back in the initial network namespace)\n`);
    return;
  }
  let sides: ReturnType<typeof openMoveSides> | undefined;
  try {
    sides = openMoveSides(pod);
    const link = getLink(sides.pod.sock, req.ifname);
    if (!link) return; // never added, or already returned by an earlier DEL
    const original = getLinkAlias(sides.pod.sock, link.index) || fallbackName;
    if (!original) {
      throw new CniError(
        ErrorCode.Internal,
        `cannot return ${req.ifname} to the node: its original name is unknown (the link has no alias)`,
        'the alias that ADD set was removed; give the configuration a "device" key with the original name, then run DEL again',
      );
    }
    await moveDeviceOutOfPod(sides, link, original);
  } finally {
    sides?.close();
    pod.close();
  }
}

/**
 * DEL: the device back to the node, then the IPAM release (after it: an address still on a
 * live device is never handed out again); each runs whatever the other did. Unlike the
 * reference, a vanished pod namespace or a second DEL succeeds.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parseDelConfig(req);
  const restore = startStep(() => restoreDevice(req, cfg.device));
  const ipamType = cfg.ipamType;
  const ipam = ipamType === undefined ? undefined : restore.catch(() => {}).then(() => ipamClient(ipamType, req.path).del(req));
  await settleSteps('host-device DEL', [
    ['return the device to the node', restore],
    ['release the IPAM address', ipam],
  ]);
}
