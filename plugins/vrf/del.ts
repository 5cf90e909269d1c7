import { type AttachmentRequest } from '../../lib/cni/index.ts';
import { deleteLink, getLink, lookupVrf, setLink, vrfPorts } from '../../lib/link/index.ts';
import { parseVrfName } from './config.ts';
import { openPodForDel } from '../../lib/netns/index.ts';

/**
 * DEL, inside the pod: release the interface from the VRF and delete the VRF once no interface
 * is left in it. Whatever is already gone counts as done: the netns, the VRF, the interface
 * (the reference fails when the interface went first, plugins#1282), the VRF deleted meanwhile
 * by another DEL. A link of that name that is not a VRF is left alone: it is not ours.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const vrfname = parseVrfName(req);
  const pod = openPodForDel(req.netns);
  if (!pod) return;
  try {
    const found = lookupVrf(pod.sock, vrfname);
    if (found.state !== 'vrf') return;
    const port = getLink(pod.sock, req.ifname);
    if (port?.master === found.vrf.index) setLink(pod.sock, port.index, { master: null });
    if (vrfPorts(pod.sock, found.vrf.index).length === 0) deleteLink(pod.sock, found.vrf.index);
  } finally {
    pod.close();
  }
}
