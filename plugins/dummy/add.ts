import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { ipamClient, startIpamAdd } from '../../lib/ipam/index.ts';
import { type NetlinkSocket, configureInterface, createContainerDummy, deleteLink } from '../../lib/link/index.ts';
import { openContainerNetns, routeSocketIn } from '../../lib/netns/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { parseDummyConfig } from './config.ts';
import { buildResult, planAddresses } from './plan.ts';

/**
 * ADD: the dummy interface, created directly in the container under CNI_IFNAME, then IPAM,
 * then its addresses and routes and up. Every step registers its undo, so a failed ADD leaves
 * neither the interface nor a reservation; a kernel without the dummy driver fails before IPAM
 * is asked for anything.
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseDummyConfig(req);
  const ns = openContainerNetns(req.netns);
  const undo = new UndoStack();
  let ctr: NetlinkSocket | undefined;
  try {
    ctr = routeSocketIn(ns);
    const sock = ctr;
    const link = createContainerDummy(sock, req.ifname);
    undo.push('delete the dummy interface', () => deleteLink(sock, link.index));
    const ipamResult = await startIpamAdd(ipamClient(cfg.ipamType, req.path), req, undo);
    const addresses = planAddresses(cfg.ipamType, ipamResult);
    await configureInterface(ns, sock, link, addresses.iface);
    const result = buildResult({ name: link.name, mac: link.mac, sandbox: req.netns }, addresses, ipamResult);
    undo.commit();
    return result;
  } catch (e) {
    const undoErrors = await undo.unwind();
    for (const u of undoErrors) process.stderr.write(`dummy: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    ctr?.close();
    ns.close();
  }
}
