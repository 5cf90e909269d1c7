import { type AttachmentRequest, CniError, ErrorCode, type Result } from '../../lib/cni/index.ts';
import { createVrfDevice, deleteLink, enslaveToVrf, freeVrfTable, getLink, lookupVrf, releaseFromVrf, vrfPorts } from '../../lib/link/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { parseVrfConfig, requirePrevResult } from './config.ts';
import { planVrf } from './plan.ts';
import { openPod } from '../../lib/netns/index.ts';

/**
 * ADD, inside the pod: check the VRF name and table and the interface before any change;
 * create the VRF if missing (up, on the configured or the lowest free table); enslave the
 * interface, keeping its routes (moved into the VRF's table) and IPv6 addresses (see
 * enslaveToVrf); pass prevResult through. A failure releases the interface, puts its routes
 * back and deletes a VRF this ADD made and nothing else uses.
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseVrfConfig(req);
  const prev = requirePrevResult(req);
  const pod = openPod(req.netns);
  const undo = new UndoStack();
  try {
    const { sock } = pod;
    const plan = planVrf(cfg, lookupVrf(sock, cfg.vrfname));
    const port = getLink(sock, req.ifname);
    if (!port) throw new CniError(ErrorCode.Internal, `interface ${req.ifname} not found in ${req.netns}`, 'vrf works on the interface the plugin before it made');
    if (port.master !== undefined) {
      // already in this VRF: an ADD repeated by the runtime, nothing to do
      if ('use' in plan && port.master === plan.use.index) return prev;
      const m = getLink(sock, port.master);
      throw new CniError(ErrorCode.Internal, `interface ${req.ifname} has already a master set: ${m?.name ?? `ifindex ${port.master}`}`, 'an interface can be in one VRF (or bridge) only');
    }
    let vrf;
    if ('use' in plan) {
      vrf = plan.use;
    } else {
      const made = createVrfDevice(sock, plan.create.name, plan.create.table ?? freeVrfTable(sock));
      vrf = made;
      undo.push(`delete VRF ${made.name}`, () => {
        if (vrfPorts(sock, made.index).length === 0) deleteLink(sock, made.index);
      });
    }
    await enslaveToVrf(sock, port, vrf, (enslaved) => undo.push(`release ${req.ifname} from VRF ${vrf.name}`, () => releaseFromVrf(sock, enslaved, true)));
    undo.commit();
    return prev;
  } catch (e) {
    const undoErrors = await undo.unwind();
    for (const u of undoErrors) process.stderr.write(`vrf: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    pod.close();
  }
}
