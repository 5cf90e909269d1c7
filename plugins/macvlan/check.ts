import { type AttachmentRequest, CniError, ErrorCode, requirePrevResult } from '../../lib/cni/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { inspectChildLink, listAddresses, listRoutes, resolveParent } from '../../lib/link/index.ts';
import { openNamespaces } from '../../lib/netns/index.ts';
import { parseMacvlanConfig } from './config.ts';
import { type ObservedMacvlan, firstMismatch } from './verify.ts';

/**
 * CHECK: IPAM's own CHECK, then what prevResult says must exist: the pod's interface, a
 * macvlan of the configured mode on the configured master, with prevResult's MAC, addresses
 * and routes.
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseMacvlanConfig(req);
  const prev = requirePrevResult(req.config, { msg: 'required prevResult missing', details: 'CHECK needs the result of the ADD in prevResult' });
  if (cfg.ipamType) await ipamClient(cfg.ipamType, req.path).check(req);
  const want = (prev.interfaces ?? []).find((i) => i.name === req.ifname && i.sandbox === req.netns);
  if (!want) throw new CniError(ErrorCode.Internal, `prevResult has no interface ${req.ifname} in sandbox ${req.netns}`);

  const n = openNamespaces(req.netns);
  let seen: ObservedMacvlan;
  try {
    const master = resolveParent(cfg.linkInContainer ? n.ctr : n.host, cfg.master, cfg.linkInContainer ? 'pod' : 'node');
    const state = inspectChildLink(n.ctr, req.ifname);
    seen = {
      state,
      master,
      addresses: state ? listAddresses(n.ctr, { index: state.link.index }) : [],
      routes: [...listRoutes(n.ctr, { family: 4, table: 'all' }), ...listRoutes(n.ctr, { family: 6, table: 'all' })],
    };
  } finally {
    n.close();
  }
  const problem = firstMismatch(req.ifname, cfg.mode, prev, want, seen);
  if (problem) throw new CniError(ErrorCode.Internal, problem);
}
