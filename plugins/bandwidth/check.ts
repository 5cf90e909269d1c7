import { type AttachmentRequest, CniError, ErrorCode } from '../../lib/cni/index.ts';
import { type NetlinkSocket, getLink, hasIngressQdisc, rootQdisc } from '../../lib/link/index.ts';
import { NetlinkSocket as Socket, findHostVeth } from './apply.ts';
import { parseBandwidthConfig, requirePrevResult } from './config.ts';
import { type Shape, ifbName, tbfMismatch } from './plan.ts';

/** Why `ifindex`'s root qdisc is not the tbf of `shape`; undefined when it is. */
function rootTbfProblem(host: NetlinkSocket, ifindex: number, name: string, shape: Shape): string | undefined {
  const root = rootQdisc(host, ifindex);
  if (!root) return `${name} has no root qdisc (Failed to find qdisc)`;
  if (root.kind !== 'tbf' || !root.tbf) return `${name}'s root qdisc is ${root.kind}, not tbf`;
  const why = tbfMismatch(root.tbf, shape);
  return why && `${name}'s tbf: ${why}`;
}

/**
 * CHECK: the tbf at the host veth's root for ingress; the ifb, the ingress qdisc that redirects
 * to it and the tbf at its root for egress; each with the configured numbers (ours or Go's).
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseBandwidthConfig(req);
  const prev = requirePrevResult(req);
  const host = Socket.open();
  try {
    const veth = findHostVeth(host, req.netns, req.ifname, prev);
    const problems: string[] = [];
    if (cfg.ingress) {
      const p = rootTbfProblem(host, veth.index, veth.name, cfg.ingress);
      if (p) problems.push(p);
    }
    if (cfg.egress) {
      const name = ifbName(req.config.name, req.containerId);
      const ifb = getLink(host, name);
      if (!ifb) problems.push(`ifb ${name} not found`);
      else {
        const p = rootTbfProblem(host, ifb.index, name, cfg.egress);
        if (p) problems.push(p);
      }
      if (!hasIngressQdisc(host, veth.index)) problems.push(`${veth.name} has no ingress qdisc to redirect the pod's traffic to ${name}`);
    }
    if (problems.length) throw new CniError(ErrorCode.Internal, `bandwidth CHECK failed: ${problems.join('; ')}`);
  } finally {
    host.close();
  }
}
