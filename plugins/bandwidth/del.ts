import type { AttachmentRequest } from '../../lib/cni/index.ts';
import { NetlinkSocket, findHostVethForDel, removeShaping } from './apply.ts';
import { ifbName } from './plan.ts';

/**
 * DEL: removes the ifb (its name comes from the network name and container ID, so no state is
 * kept), and the qdiscs on the host veth while the pod's namespace still shows it. Works with
 * the namespace gone. The rest of the configuration is not read: a key ADD refused must not
 * make the DEL fail too (a runtime would retry it for ever).
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const host = NetlinkSocket.open();
  try {
    const veth = req.netns ? findHostVethForDel(host, req.netns, req.ifname) : undefined;
    removeShaping(host, veth, ifbName(req.config.name, req.containerId));
  } finally {
    host.close();
  }
}
