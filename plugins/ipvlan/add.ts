import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { ipamClient, startIpamAdd } from '../../lib/ipam/index.ts';
import { configureInterface, createChildInPod, deleteLink, getLink, ifnameTaken, notifyNeighboursOnUp, resolveParent } from '../../lib/link/index.ts';
import { openNamespaces } from '../../lib/netns/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { parseIpvlanConfig } from './config.ts';
import { planAddresses, planIpvlan } from './plan.ts';
import { buildResult } from './result.ts';

/**
 * ADD: parse, find and judge the master, plan; create the ipvlan in the pod (a kernel without
 * ipvlan fails here, before IPAM runs); then the addresses, from IPAM or from the chained
 * result, and the routes. Every step registers its undo, so a failure at any point removes
 * the ipvlan and releases the address.
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseIpvlanConfig(req);
  const source = cfg.addresses;
  const ipam = 'ipamType' in source ? ipamClient(source.ipamType, req.path) : undefined;
  const undo = new UndoStack();
  const n = openNamespaces(req.netns);
  try {
    const master = resolveParent(cfg.linkInContainer ? n.ctr : n.host, cfg.master, cfg.linkInContainer ? 'pod' : 'node');
    const plan = planIpvlan(cfg, req.ifname, master);
    // before IPAM: the IPAM DEL of the rollback would free the existing attachment's address
    if (getLink(n.ctr, req.ifname)) throw ifnameTaken(req.ifname);
    const link = createChildInPod(n, plan.masterName, plan.child);
    undo.push('delete the ipvlan', () => deleteLink(n.ctr, link.index));
    const given = ipam ? await startIpamAdd(ipam, req, undo) : 'prevResult' in source ? source.prevResult : { cniVersion: '1.1.0' };
    const addresses = planAddresses('ipamType' in source ? source.ipamType : 'prevResult', given);
    notifyNeighboursOnUp(n.ns, link.name);
    await configureInterface(n.ns, n.ctr, link, addresses.iface);
    const result = buildResult(plan, getLink(n.ctr, link.index) ?? link, req.netns, addresses);
    undo.commit();
    return result;
  } catch (e) {
    const undoErrors = await undo.unwind();
    for (const u of undoErrors) process.stderr.write(`ipvlan: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    n.close();
  }
}
