import { type AttachmentRequest, settleSteps, startStep } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { type ContainerInterface, deleteLink, findContainerInterface, getLink } from '../../lib/link/index.ts';
import { parseVlanConfig } from './config.ts';

/**
 * DEL: remove the pod's VLAN device and release the IPAM reservation, each independently: an
 * empty CNI_NETNS, a vanished namespace or a master that is gone (which fails the reference's
 * DEL before it releases anything) still releases the address. Only a VLAN device is deleted:
 * an interface of that name of another kind is not ours (an ADD refused because it existed).
 * IPAM DEL waits for the device's deletion, so an address still in use is never handed out again.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parseVlanConfig(req);
  let found: ContainerInterface | undefined;
  let lookupError: unknown;
  try {
    found = findContainerInterface(req.netns, req.ifname);
  } catch (e) {
    lookupError = e; // e.g. CNI_NETNS is not a netns: still release the address
  }
  try {
    const own = found;
    const unlink = startStep(() => {
      if (own?.index === undefined) return;
      if (getLink(own.sock, own.index)?.kind === 'vlan') deleteLink(own.sock, own.index);
    });
    const ipam = unlink.catch(() => {}).then(() => ipamClient(cfg.ipamType, req.path).del(req));
    await settleSteps('vlan DEL', [
      ['open the container namespace', lookupError === undefined ? undefined : Promise.reject(lookupError)],
      ['delete the vlan device', unlink],
      ['release the IPAM address', ipam],
    ]);
  } finally {
    found?.close();
  }
}
