import { type AttachmentRequest, settleSteps, startStep } from '../../lib/cni/index.ts';
import { backendsInUse, macSpoofCheck, masquerade, systemRunner, teardownEveryBackend } from '../../lib/firewall/index.ts';
import { heldAddresses, ipamClient } from '../../lib/ipam/index.ts';
import { type ContainerInterface, deleteLink, findContainerInterface } from '../../lib/link/index.ts';
import { parseBridgeConfig } from './config.ts';

/**
 * DEL: remove the container interface, the masquerade rules, the MAC spoof check and the IPAM
 * reservation, each independently: an empty CNI_NETNS or a vanished namespace still releases
 * the address and removes the rules (taking the addresses from prevResult, or finding the
 * rules by owner, where the reference leaks them: plugins#810). The firewall processes start
 * before the veth is deleted (which takes the kernel 20-40 ms) and run meanwhile; IPAM DEL
 * waits for the deletion, so an address still on a live interface is never handed out again
 * (plugins#666). Never removes the bridge.
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const cfg = parseBridgeConfig(req);
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
    const masq = cfg.ipMasq && cfg.ipamType ? startStep(() => teardownEveryBackend(backendsInUse(masquerade, runner), spec)) : undefined;
    const spoof = cfg.macspoofchk ? startStep(() => teardownEveryBackend(backendsInUse(macSpoofCheck, runner), req)) : undefined;
    const own = found;
    const unlink = startStep(() => own?.index !== undefined && deleteLink(own.sock, own.index));
    const ipamType = cfg.ipamType;
    const ipam = ipamType ? unlink.catch(() => {}).then(() => ipamClient(ipamType, req.path).del(req)) : undefined;
    await settleSteps('bridge DEL', [
      ['open the container namespace', lookupError === undefined ? undefined : Promise.reject(lookupError)],
      ['delete the container interface', unlink],
      ['release the IPAM address', ipam],
      ['remove the masquerade rules', masq],
      ['remove the MAC spoof check', spoof],
    ]);
  } finally {
    found?.close();
  }
}
