import { type AttachmentRequest, settleSteps, startStep } from '../../lib/cni/index.ts';
import { backendsInUse, masquerade, systemRunner, teardownEveryBackend } from '../../lib/firewall/index.ts';
import { heldAddresses, ipamClient } from '../../lib/ipam/index.ts';
import { type ContainerInterface, deleteLink, findContainerInterface } from '../../lib/link/index.ts';
import { parsePtpConfig } from './config.ts';

/**
 * DEL: remove the container interface (its host end, the peer addresses and the host routes
 * go with it), the masquerade rules and the IPAM reservation, each independently: an empty
 * CNI_NETNS or a vanished namespace still releases the address and removes the rules (taking
 * the addresses from prevResult, or finding the rules by owner, where the reference leaves
 * them behind). IPAM DEL waits for the veth's deletion, so an address still on a live
 * interface is never handed out again.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parsePtpConfig(req);
  const runner = systemRunner();
  let found: ContainerInterface | undefined;
  let lookupError: unknown;
  try {
    found = findContainerInterface(req.netns, req.ifname);
  } catch (e) {
    lookupError = e; // e.g. CNI_NETNS is not a netns: still release the address and the rules
  }
  try {
    const ips = heldAddresses(found?.addresses ?? [], req.config);
    const spec = { network: cfg.network, containerId: req.containerId, ifname: req.ifname, ips };
    const masq = cfg.ipMasq ? startStep(() => teardownEveryBackend(backendsInUse(masquerade, runner), spec)) : undefined;
    const own = found;
    const unlink = startStep(() => own?.index !== undefined && deleteLink(own.sock, own.index));
    const ipam = unlink.catch(() => {}).then(() => ipamClient(cfg.ipamType, req.path).del(req));
    await settleSteps('ptp DEL', [
      ['open the container namespace', lookupError === undefined ? undefined : Promise.reject(lookupError)],
      ['delete the container interface', unlink],
      ['release the IPAM address', ipam],
      ['remove the masquerade rules', masq],
    ]);
  } finally {
    found?.close();
  }
}
