import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { masquerade, selectBackend, systemRunner } from '../../lib/firewall/index.ts';
import { ipamClient, startIpamAdd } from '../../lib/ipam/index.ts';
import { getLink, ifnameTaken } from '../../lib/link/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { applyAddresses, applyVeth } from './apply.ts';
import { parsePtpConfig } from './config.ts';
import { openNamespaces } from '../../lib/netns/index.ts';
import { planAddresses, planPtp } from './plan.ts';
import { buildResult } from './result.ts';

/**
 * ADD: parse, plan, then apply: IPAM (started first, it runs while the veth pair is made),
 * the veth pair, addresses and routes on both ends, masquerade; then the result. Every step
 * registers its undo, so a failure at any point releases the address and removes the veth
 * pair and the rules (the reference releases the address but leaks the veth).
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parsePtpConfig(req);
  const plan = planPtp(cfg, req.ifname);
  const runner = systemRunner();
  // chosen before any change: a node without the firewall tool fails with nothing to undo
  const masq = plan.masquerade ? selectBackend(masquerade, plan.masquerade.backend, runner) : undefined;
  const undo = new UndoStack();
  const n = openNamespaces(req.netns);
  try {
    // before IPAM: the IPAM DEL of the rollback would free the existing attachment's address
    if (getLink(n.ctr, req.ifname)) throw ifnameTaken(req.ifname);
    const ipam = startIpamAdd(ipamClient(plan.ipamType, req.path), req, undo);
    const links = applyVeth(n, plan, undo);
    const ipamResult = await ipam;
    const addresses = planAddresses(plan.ipamType, ipamResult);
    let masquerading: Promise<void> | undefined;
    if (masq) {
      const spec = { network: plan.network, containerId: req.containerId, ifname: req.ifname, ips: addresses.masq };
      const done = masq.setup(spec);
      done.catch(() => {}); // awaited below; this only marks a rejection as handled meanwhile
      masquerading = done;
      undo.push('remove the masquerade rules', async () => {
        await done.catch(() => {});
        await masq.teardown(spec);
      });
    }
    await applyAddresses(n, links, addresses);
    await masquerading;
    const hostVeth = getLink(n.host, links.hostVeth.index) ?? links.hostVeth;
    const result = buildResult(plan, { hostVeth, container: links.container }, req.netns, addresses, ipamResult);
    undo.commit();
    return result;
  } catch (e) {
    const undoErrors = await undo.unwind();
    // stdout carries the ADD's own error; what the rollback could not undo goes to the log
    for (const u of undoErrors) process.stderr.write(`ptp: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    n.close();
  }
}
