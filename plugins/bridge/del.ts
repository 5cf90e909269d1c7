import { type AttachmentRequest, type IpConfig, parsePrevResult, settleSteps, startStep } from '../../lib/cni/index.ts';
import { parseCidr } from '../../lib/addr/index.ts';
import { type MasqAddress, backendsInUse, macSpoofCheck, masquerade, systemRunner, teardownEveryBackend } from '../../lib/firewall/index.ts';
import { type NetlinkSocket, deleteLink, getLink, listAddresses } from '../../lib/netlink/index.ts';
import { type Netns, openContainerNetnsForDel, routeSocketIn } from '../../lib/netns/index.ts';
import { parseBridgeConfig } from './config.ts';
import { ipamClient } from './ipam.ts';
import { masqAddress } from './plan.ts';

/** undefined for an address that does not parse: a DEL goes on with the others. */
function tryMasqAddress(address: string): MasqAddress | undefined {
  try {
    return masqAddress(parseCidr(address));
  } catch {
    return undefined;
  }
}

function prevResultAddresses(req: AttachmentRequest): string[] {
  let ips: IpConfig[] = [];
  try {
    ips = parsePrevResult(req.config)?.ips ?? [];
  } catch {
    return []; // an unreadable prevResult must not stop a DEL
  }
  return ips.map((i) => i.address);
}

/** The container interface, found but not yet deleted, with its global addresses. */
interface Found {
  readonly ns: Netns;
  readonly ctr: NetlinkSocket;
  readonly index: number | undefined;
  readonly addresses: string[];
}

/** Opens the netns and finds CNI_IFNAME; undefined when there is no netns left to clean. */
function findContainerInterface(netns: string, ifname: string): Found | undefined {
  const ns = openContainerNetnsForDel(netns);
  if (!ns) return undefined;
  let ctr: NetlinkSocket | undefined;
  try {
    ctr = routeSocketIn(ns);
    const link = getLink(ctr, ifname);
    const addresses = link
      ? listAddresses(ctr, { index: link.index }).filter((a) => a.scope === 0).map((a) => `${a.address}/${a.prefixLen}`)
      : [];
    return { ns, ctr, index: link?.index, addresses };
  } catch (e) {
    ctr?.close();
    ns.close();
    throw e;
  }
}

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
  let found: Found | undefined;
  let lookupError: unknown;
  try {
    found = findContainerInterface(req.netns, req.ifname);
  } catch (e) {
    lookupError = e; // e.g. CNI_NETNS is not a netns: still release the address and the rules
  }
  try {
    const addresses = found?.addresses.length ? found.addresses : prevResultAddresses(req);
    const ips = addresses.map(tryMasqAddress).filter((a): a is MasqAddress => a !== undefined);
    const spec = { network: cfg.network, containerId: req.containerId, ifname: req.ifname, ips };
    const masq = cfg.ipMasq && cfg.ipamType ? startStep(() => teardownEveryBackend(backendsInUse(masquerade, runner), spec)) : undefined;
    const spoof = cfg.macspoofchk ? startStep(() => teardownEveryBackend(backendsInUse(macSpoofCheck, runner), req)) : undefined;
    const own = found;
    const unlink = startStep(() => own?.index !== undefined && deleteLink(own.ctr, own.index));
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
    found?.ctr.close();
    found?.ns.close();
  }
}
