import { parseCidr } from '../../lib/addr/index.ts';
import { type AttachmentRequest, CniError, ErrorCode, parsePrevResult } from '../../lib/cni/index.ts';
import { masquerade, selectBackend, systemRunner } from '../../lib/firewall/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { getLink, listAddresses, listRoutes } from '../../lib/link/index.ts';
import { parsePtpConfig } from './config.ts';
import { openNamespaces } from '../../lib/netns/index.ts';
import { type ObservedAttachment, firstMismatch } from './verify.ts';

/**
 * CHECK: what prevResult says exists must exist: the container's veth, its addresses and
 * routes (as the reference), the host end's peer addresses and host routes, the masquerade
 * rules; and IPAM's own CHECK.
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parsePtpConfig(req);
  const prev = parsePrevResult(req.config);
  if (!prev) throw new CniError(ErrorCode.InvalidConfig, 'Required prevResult missing', 'CHECK needs the result of the ADD in prevResult');
  await ipamClient(cfg.ipamType, req.path).check(req);

  const interfaces = prev.interfaces ?? [];
  const ctrEntry = interfaces.find((i) => i.name === req.ifname && i.sandbox === req.netns);
  if (!ctrEntry) throw new CniError(ErrorCode.Internal, `prevResult has no interface ${req.ifname} in sandbox ${req.netns}`);
  const hostEntries = interfaces.filter((i) => !i.sandbox);

  const n = openNamespaces(req.netns);
  let seen: ObservedAttachment;
  try {
    const container = getLink(n.ctr, req.ifname);
    seen = {
      container,
      containerAddresses: container ? listAddresses(n.ctr, { index: container.index }) : [],
      containerRoutes: [...listRoutes(n.ctr, { family: 4 }), ...listRoutes(n.ctr, { family: 6 })],
      hostLinks: hostEntries.map((i) => getLink(n.host, i.name)),
      hostAddresses: listAddresses(n.host),
      hostRoutes: [...listRoutes(n.host, { family: 4 }), ...listRoutes(n.host, { family: 6 })],
    };
  } finally {
    n.close();
  }
  const problem = firstMismatch(req, prev, ctrEntry, seen);
  if (problem) throw new CniError(ErrorCode.Internal, problem);

  if (cfg.ipMasq) {
    const ips = (prev.ips ?? []).map((ip) => parseCidr(ip.address));
    await selectBackend(masquerade, cfg.ipMasqBackend, systemRunner()).check({ network: cfg.network, containerId: req.containerId, ifname: req.ifname, ips });
  }
}
