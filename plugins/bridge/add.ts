import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { masquerade, selectBackend, systemRunner } from '../../lib/firewall/index.ts';
import { ipamClient, startIpamAdd } from '../../lib/ipam/index.ts';
import { getLink, ifnameTaken, waitPortUp } from '../../lib/link/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { applyAddresses } from './apply-addresses.ts';
import { startFirewall } from './apply-firewall.ts';
import { applyLinks } from './apply-links.ts';
import { parseAttachmentSettings, parseBridgeConfig } from './config.ts';
import { planL3 } from './l3-plan.ts';
import { openNamespaces } from '../../lib/netns/index.ts';
import { planBridge } from './plan.ts';
import { buildResult } from './result.ts';

/**
 * ADD: parse, plan, then apply: bridge and veth pair, IPAM, addresses and routes, gateway,
 * masquerade, MAC spoof check; then the result. Child processes (IPAM, iptables-restore or
 * nft) start as soon as their input is known and run while the netlink work goes on. Every
 * step registers its undo, so a failure at any point releases the address and removes what
 * was made (the reference leaks the veth here, plugins#29). The bridge is shared and stays.
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseBridgeConfig(req);
  const plan = planBridge(cfg, parseAttachmentSettings(req), req.ifname);
  const runner = systemRunner();
  // chosen before any change: a node without the firewall tool fails with nothing to undo
  const masq = plan.masquerade ? selectBackend(masquerade, plan.masquerade.backend, runner) : undefined;
  const undo = new UndoStack();
  const n = openNamespaces(req.netns);
  try {
    // before IPAM: the IPAM DEL of the rollback would free the existing attachment's address
    if (getLink(n.ctr, req.ifname)) throw ifnameTaken(req.ifname);
    const ipam = plan.ipamType ? startIpamAdd(ipamClient(plan.ipamType, req.path), req, undo) : undefined;
    const links = applyLinks(n, plan, undo);
    const ipamResult = await ipam;
    const l3 = ipamResult ? planL3(plan.l3, ipamResult) : undefined;
    const firewall = startFirewall(
      runner,
      {
        network: plan.network,
        containerId: req.containerId,
        ifname: req.ifname,
        masquerade: masq && l3 ? { backend: masq, ips: l3.masq } : undefined,
        spoofCheck: plan.macSpoofCheck && links.container.mac ? { hostVeth: links.hostPort.name, mac: links.container.mac } : undefined,
      },
      undo,
    );
    const vlanGateway = l3 ? await applyAddresses(n, links, l3, plan) : undefined;
    if (plan.containerUp) await waitPortUp(n.host, links.hostPort.index);
    await firewall;
    // MACs are read last: the bridge's can change when its first port joins
    const final = {
      bridge: getLink(n.host, links.bridge.index) ?? links.bridge,
      hostPort: getLink(n.host, links.hostPort.index) ?? links.hostPort,
      container: links.container,
      vlanGateway,
    };
    const result = buildResult(plan, final, req.netns, l3 && ipamResult ? { plan: l3, ipam: ipamResult } : undefined);
    undo.commit();
    return result;
  } catch (e) {
    const undoErrors = await undo.unwind();
    // stdout carries the ADD's own error; what the rollback could not undo goes to the log
    for (const u of undoErrors) process.stderr.write(`bridge: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    n.close();
  }
}
