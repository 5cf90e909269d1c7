import { type AttachmentRequest, CniError, ErrorCode, type Result } from '../../lib/cni/index.ts';
import { ipamClient, startIpamAdd } from '../../lib/ipam/index.ts';
import { type NetlinkSocket, configureInterface, createContainerTap, deleteLink, getLink, setLink } from '../../lib/link/index.ts';
import { openContainerNetns, routeSocketIn } from '../../lib/netns/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { parseTapConfig } from './config.ts';
import { planAddresses, planTap } from './plan.ts';

/**
 * The bridge the tap is to join, in the container.
 * @throws CniError code 7 when there is no bridge of that name there.
 */
function findBridge(ctr: NetlinkSocket, name: string): number {
  const link = getLink(ctr, name);
  if (link?.kind !== 'bridge') {
    const what = link ? `"${name}" is a ${link.kind ?? 'device without a kind'}` : `there is no "${name}"`;
    throw new CniError(ErrorCode.InvalidConfig, `invalid bridge ${JSON.stringify(name)}`, `expected an existing bridge in the container's network namespace: ${what}`);
  }
  return link.index;
}

/**
 * ADD: parse and plan, find the bridge, then the tap (created in the container by ioctls,
 * renamed, MTU and MAC set, made a port of the bridge), then IPAM and the addresses and routes
 * (or just up, without IPAM); the result lists the tap alone. Every step registers its undo,
 * so a failed ADD leaves neither the tap nor a reservation.
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseTapConfig(req);
  const plan = planTap(cfg, req.ifname);
  for (const note of plan.notes) process.stderr.write(`${note}\n`);
  const ns = openContainerNetns(req.netns);
  const undo = new UndoStack();
  let ctr: NetlinkSocket | undefined;
  try {
    ctr = routeSocketIn(ns);
    const sock = ctr;
    const master = plan.bridge === undefined ? undefined : findBridge(sock, plan.bridge);
    const tap = createContainerTap(ns, sock, { ...plan.tap, master });
    undo.push('delete the tap', () => deleteLink(sock, tap.index));
    const result: Result = { cniVersion: '1.1.0', interfaces: [{ name: tap.name, ...(tap.mac ? { mac: tap.mac } : {}), sandbox: req.netns }] };
    if (plan.ipamType !== undefined) {
      const ipamResult = await startIpamAdd(ipamClient(plan.ipamType, req.path), req, undo);
      const addresses = planAddresses(plan.ipamType, ipamResult);
      await configureInterface(ns, sock, tap, addresses.iface);
      result.ips = addresses.ips;
      if (addresses.routes.length) result.routes = addresses.routes;
    } else {
      setLink(sock, tap.index, { up: true });
    }
    if (plan.dns) result.dns = plan.dns;
    undo.commit();
    return result;
  } catch (e) {
    const undoErrors = await undo.unwind();
    for (const u of undoErrors) process.stderr.write(`tap: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    ctr?.close();
    ns.close();
  }
}
