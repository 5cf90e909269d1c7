import { type AttachmentRequest, settleSteps, startStep } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { type ContainerInterface, deleteLink, findContainerInterface, getLink } from '../../lib/link/index.ts';
import { parseIpamType } from './config.ts';

/**
 * DEL: remove the pod's macvlan and release IPAM's address, each independently: an empty
 * CNI_NETNS or a vanished namespace (the link went with it) still releases the address. Only
 * a macvlan is deleted: an interface of that name of another kind is not this plugin's. The
 * master is not looked up, so a DEL succeeds after the master is gone. IPAM DEL waits for the
 * link's deletion, so an address still on a live interface is never handed out again.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const ipamType = parseIpamType(req);
  const ipam = ipamType ? ipamClient(ipamType, req.path) : undefined;
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
      const kind = getLink(own.sock, own.index)?.kind;
      if (kind === 'macvlan') deleteLink(own.sock, own.index);
      else process.stderr.write(`macvlan: DEL leaves ${req.ifname} in ${req.netns}: it is a ${kind ?? 'device without a kind'}, not a macvlan\n`);
    });
    const release = ipam ? unlink.catch(() => {}).then(() => ipam.del(req)) : undefined;
    await settleSteps('macvlan DEL', [
      ['open the container namespace', lookupError === undefined ? undefined : Promise.reject(lookupError)],
      ['delete the container interface', unlink],
      ['release the IPAM address', release],
    ]);
  } finally {
    found?.close();
  }
}
