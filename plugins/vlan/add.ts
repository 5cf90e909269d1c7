import { type AttachmentRequest, CniError, ErrorCode, type Result } from '../../lib/cni/index.ts';
import { ipamClient, startIpamAdd } from '../../lib/ipam/index.ts';
import { configureInterface, createContainerVlan, deleteLink, getLink } from '../../lib/link/index.ts';
import { openNamespaces } from '../../lib/netns/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { parseVlanConfig } from './config.ts';
import { buildResult, masterProblem, planAddresses, planVlan } from './plan.ts';

/**
 * ADD: parse and plan; check the master (it must exist, the MTU must fit) and the pod's
 * interface name before any change; then the VLAN device (made under a temporary name straight
 * into the pod, renamed there), IPAM, addresses and routes; then the result. Every step
 * registers its undo, so a failure releases the address and removes the device (the
 * reference leaks the device when IPAM fails).
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseVlanConfig(req);
  const plan = planVlan(cfg, req.ifname);
  const undo = new UndoStack();
  const n = openNamespaces(req.netns);
  try {
    const masterSock = plan.masterInContainer ? n.ctr : n.host;
    const master = getLink(masterSock, plan.master);
    const problem = masterProblem(plan, master);
    if (problem || !master) throw problem;
    if (getLink(n.ctr, req.ifname)) {
      throw new CniError(ErrorCode.Internal, `interface ${req.ifname} already exists in ${req.netns}`, 'the pod already has an interface of that name: was ADD run twice without DEL?');
    }
    const link = createContainerVlan(n.ctr, n.ns, { sock: masterSock, link: master, inContainer: plan.masterInContainer }, plan.vlan);
    undo.push('delete the vlan device', () => deleteLink(n.ctr, link.index));
    const ipamResult = await startIpamAdd(ipamClient(plan.ipamType, req.path), req, undo);
    const addresses = planAddresses(plan.ipamType, ipamResult);
    await configureInterface(n.ns, n.ctr, link, addresses.iface);
    const iface = { name: link.name, ...(link.mac ? { mac: link.mac } : {}), sandbox: req.netns };
    const result = buildResult(plan, iface, addresses, ipamResult);
    undo.commit();
    return result;
  } catch (e) {
    const undoErrors = await undo.unwind();
    // stdout carries the ADD's own error; what the rollback could not undo goes to the log
    for (const u of undoErrors) process.stderr.write(`vlan: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    n.close();
  }
}
