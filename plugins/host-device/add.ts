import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { ipamClient, startIpamAdd } from '../../lib/ipam/index.ts';
import { type Link, configureInterface, getLink, ifnameTaken } from '../../lib/link/index.ts';
import { openContainerNetns } from '../../lib/netns/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { planAddresses } from './addresses.ts';
import { moveDeviceIntoPod, openMoveSides } from './apply.ts';
import { parseHostDeviceConfig } from './config.ts';
import { readNodeFacts } from './facts.ts';
import { chooseDevice } from './plan.ts';
import { buildResult } from './result.ts';
import { SYSFS_ROOT } from './sysfs.ts';

/**
 * ADD: parse; choose the device and refuse an unsafe one before anything changes; move it into
 * the pod as CNI_IFNAME; then IPAM and its addresses, if configured. Every step registers its
 * undo, so a failed ADD (IPAM failing after the move included) returns the device to the
 * node under its name, where the reference leaves it in the pod.
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseHostDeviceConfig(req);
  const pod = openContainerNetns(req.netns);
  const undo = new UndoStack();
  let sides: ReturnType<typeof openMoveSides> | undefined;
  try {
    sides = openMoveSides(pod);
    let device: Link | undefined;
    if (!cfg.dpdk) {
      const chosen = chooseDevice(cfg.selectors, readNodeFacts(sides.node.sock, SYSFS_ROOT));
      if (getLink(sides.pod.sock, req.ifname)) throw ifnameTaken(req.ifname);
      device = moveDeviceIntoPod(sides, chosen, req.ifname, undo);
    }
    if (cfg.ipamType === undefined) {
      const result = buildResult(req.ifname, req.netns, device);
      undo.commit();
      return result;
    }
    const ipamResult = await startIpamAdd(ipamClient(cfg.ipamType, req.path), req, undo);
    const addresses = planAddresses(cfg.ipamType, ipamResult);
    // a DPDK-bound function has no netdev to give addresses to: IPAM's answer is only reported
    if (device) await configureInterface(sides.pod.ns, sides.pod.sock, device, addresses.iface);
    const result = buildResult(req.ifname, req.netns, device, { addresses, result: ipamResult, dns: cfg.dns });
    undo.commit();
    return result;
  } catch (e) {
    const undoErrors = await undo.unwind();
    for (const u of undoErrors) process.stderr.write(`host-device: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    sides?.close();
    pod.close();
  }
}
