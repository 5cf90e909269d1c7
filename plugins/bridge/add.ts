import { type AttachmentRequest, CniError, ErrorCode, type Interface, type Result } from '../../lib/cni/index.ts';
import { type CommandRunner, backendsInUse, macSpoofCheck, masquerade, selectBackend, systemRunner, teardownEveryBackend } from '../../lib/firewall/index.ts';
import { type Link, NetlinkSocket, deleteLink, getLink, setLink } from '../../lib/netlink/index.ts';
import { openContainerNetns, openCurrentNetns, routeSocketIn } from '../../lib/netns/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { parseAttachmentSettings, parseBridgeConfig } from './config.ts';
import { createContainerVeth, ifnameTaken } from './container.ts';
import { attachPort, ensureBridge, waitPortUp } from './host.ts';
import { ipamClient } from './ipam.ts';
import { applyL3 } from './l3.ts';

/**
 * Starts IPAM ADD (a child process overlaps our netlink work; our own host-local runs in
 * process) and registers its release. Only a successful IPAM ADD is released: a failed one
 * reserved nothing.
 */
function startIpam(type: string, req: AttachmentRequest, undo: UndoStack): Promise<Result> {
  const client = ipamClient(type, req.path);
  const ipam = client.add(req);
  ipam.catch(() => {}); // awaited by the caller; this only marks the rejection as handled meanwhile
  undo.push('release the IPAM address', async () => {
    if (await ipam.then(() => true, () => false)) await client.del(req);
  });
  return ipam;
}

/** Starts the MAC spoof check (an nft process) and registers its removal. */
function startSpoofCheck(runner: CommandRunner, req: AttachmentRequest, hostVeth: string, mac: string, undo: UndoStack): Promise<void> {
  const a = { containerId: req.containerId, ifname: req.ifname, hostVeth, mac };
  const done = (async () => selectBackend(macSpoofCheck, undefined, runner).setup(a))();
  done.catch(() => {});
  undo.push('remove the MAC spoof check', async () => {
    await done.catch(() => {});
    await teardownEveryBackend(backendsInUse(macSpoofCheck, runner), a);
  });
  return done;
}

function iface(link: Link, sandbox?: string): Interface {
  return { name: link.name, ...(link.mac ? { mac: link.mac } : {}), ...(sandbox ? { sandbox } : {}) };
}

/**
 * ADD: bridge, veth pair (host end born in the host), IPAM, addresses and routes, gateway,
 * masquerade, MAC spoof check. Child processes (IPAM, iptables-restore or nft) start as soon
 * as their input is known and run while the netlink work goes on. Every step registers its
 * undo, so a failure at any point releases the address and removes what was made (the
 * reference leaks the veth here, plugins#29). The bridge is shared and stays.
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseBridgeConfig(req);
  const { mac } = parseAttachmentSettings(req);
  const runner = systemRunner();
  // chosen before any change: a node without the firewall tool fails with nothing to undo;
  // masquerade is for the addresses IPAM gives, so an L2 network has none (as the reference)
  const masq = cfg.ipMasq && cfg.ipamType ? selectBackend(masquerade, cfg.ipMasqBackend, runner) : undefined;
  const undo = new UndoStack();
  const ns = openContainerNetns(req.netns);
  const hostNs = openCurrentNetns();
  const host = NetlinkSocket.open();
  const ctr = routeSocketIn(ns);
  try {
    // before IPAM: the IPAM DEL of the rollback would free the existing attachment's address
    if (getLink(ctr, req.ifname)) throw ifnameTaken(req.ifname);
    const ipam = cfg.ipamType ? startIpam(cfg.ipamType, req, undo) : undefined;

    const bridge = ensureBridge(host, cfg);
    const { link: ctrLink, hostName } = createContainerVeth(ctr, hostNs, { ifname: req.ifname, mtu: cfg.mtu, mac });
    undo.push('delete the veth pair', () => deleteLink(ctr, ctrLink.index));
    const hostLink = getLink(host, hostName);
    if (!hostLink) throw new CniError(ErrorCode.Internal, `host end ${hostName} of the new veth pair is missing`);
    attachPort(host, bridge, hostLink, cfg);
    const spoofDone = cfg.macspoofchk && ctrLink.mac ? startSpoofCheck(runner, req, hostName, ctrLink.mac, undo) : undefined;

    const result: Result = { cniVersion: '1.1.0' };
    const extra: Interface[] = [];
    if (ipam) {
      const ipamResult = await ipam;
      const { plan, vlanGateway } = await applyL3({ req, cfg, ns, ctr, host, bridge, ctrLink, masq, undo }, ipamResult);
      if (vlanGateway) extra.push(vlanGateway);
      result.ips = plan.ips;
      if (plan.routes.length) result.routes = plan.routes;
      if (ipamResult.dns) result.dns = ipamResult.dns;
    } else if (!cfg.disableContainerInterface) {
      setLink(ctr, ctrLink.index, { up: true });
    }
    if (!cfg.disableContainerInterface) await waitPortUp(host, hostLink.index);
    await spoofDone;

    result.interfaces = finalInterfaces(host, { bridge, hostLink, ctrLink }, req.netns, extra);
    if (cfg.dns) result.dns = cfg.dns;
    undo.commit();
    return result;
  } catch (e) {
    const undoErrors = await undo.unwind();
    // stdout carries the ADD's own error; what the rollback could not undo goes to the log
    for (const u of undoErrors) process.stderr.write(`bridge: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    ctr.close();
    host.close();
    hostNs.close();
    ns.close();
  }
}

/**
 * The result's interfaces in the reference's order: bridge, host veth, container, then the
 * VLAN gateway if any. MACs are read last: the bridge's can change when its first port joins.
 */
function finalInterfaces(host: NetlinkSocket, links: { bridge: Link; hostLink: Link; ctrLink: Link }, sandbox: string, extra: readonly Interface[]): Interface[] {
  const bridge = getLink(host, links.bridge.index) ?? links.bridge;
  const hostLink = getLink(host, links.hostLink.index) ?? links.hostLink;
  return [iface(bridge), iface(hostLink), iface(links.ctrLink, sandbox), ...extra];
}
