import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { ipamClient, startIpamAdd } from '../../lib/ipam/index.ts';
import { configureInterface, createChildInPod, deleteLink, getLink, ifnameTaken, notifyNeighboursOnUp, resolveParent, setLink } from '../../lib/link/index.ts';
import { openNamespaces } from '../../lib/netns/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { parseMacvlanConfig } from './config.ts';
import { type AddressPlan, planAddresses, planMacvlan } from './plan.ts';
import { buildResult } from './result.ts';

/**
 * ADD: parse, find and judge the master, plan; then IPAM (started first, it runs while the
 * link is made), the macvlan born in the pod under a random name and renamed there, its
 * addresses and routes (or, without IPAM, just up); then the result. Every step registers its
 * undo, so a failure at any point removes the macvlan and releases the address.
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseMacvlanConfig(req);
  const ipam = cfg.ipamType ? ipamClient(cfg.ipamType, req.path) : undefined;
  const undo = new UndoStack();
  const n = openNamespaces(req.netns);
  try {
    const master = resolveParent(cfg.linkInContainer ? n.ctr : n.host, cfg.master, cfg.linkInContainer ? 'pod' : 'node');
    const plan = planMacvlan(cfg, req.ifname, master);
    // before IPAM: the IPAM DEL of the rollback would free the existing attachment's address
    if (getLink(n.ctr, req.ifname)) throw ifnameTaken(req.ifname);
    const ipamAdd = ipam ? startIpamAdd(ipam, req, undo) : undefined;
    const link = createChildInPod(n, plan.masterName, plan.child);
    undo.push('delete the macvlan', () => deleteLink(n.ctr, link.index));
    let addresses: AddressPlan | undefined;
    if (ipamAdd && plan.ipamType) {
      addresses = planAddresses(plan.ipamType, await ipamAdd);
      notifyNeighboursOnUp(n.ns, link.name);
    await configureInterface(n.ns, n.ctr, link, addresses.iface);
    } else {
      setLink(n.ctr, link.index, { up: true });
    }
    const result = buildResult(plan, getLink(n.ctr, link.index) ?? link, req.netns, addresses);
    undo.commit();
    return result;
  } catch (e) {
    const undoErrors = await undo.unwind();
    // stdout carries the ADD's own error; what the rollback could not undo goes to the log
    for (const u of undoErrors) process.stderr.write(`macvlan: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    n.close();
  }
}
