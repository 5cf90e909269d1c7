import { type AttachmentRequest, isCniError } from '../../lib/cni/index.ts';
import { NetlinkSocket, findHostVethForDel, removeShaping } from './apply.ts';
import { type BandwidthConfig, parseBandwidthConfig } from './config.ts';
import { ifbName } from './plan.ts';

/** The configuration, or undefined when ADD would have refused it (then ADD made nothing on the veth). */
function configForDel(req: AttachmentRequest): BandwidthConfig | undefined {
  try {
    return parseBandwidthConfig(req);
  } catch (e) {
    if (isCniError(e)) return undefined;
    throw e;
  }
}

/**
 * DEL: removes the ifb (its name comes from the network name and container ID, so no state is
 * kept), and the qdiscs on the host veth while the pod's namespace still shows it. Works with
 * the namespace gone. A configuration ADD refused does not make the DEL fail too (a runtime
 * would retry it for ever): the ifb still goes.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = configForDel(req);
  const host = NetlinkSocket.open();
  try {
    const veth = req.netns ? findHostVethForDel(host, req.netns, req.ifname) : undefined;
    removeShaping(host, veth, ifbName(req.config.name, req.containerId), cfg?.ingress !== undefined);
  } finally {
    host.close();
  }
}
