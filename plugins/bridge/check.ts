import { parseCidr } from '../../lib/addr/index.ts';
import { type AttachmentRequest, CniError, ErrorCode, parsePrevResult } from '../../lib/cni/index.ts';
import { masquerade, selectBackend, systemRunner } from '../../lib/firewall/index.ts';
import { ipamClient } from '../../lib/ipam/index.ts';
import { getLink, listAddresses, listRoutes } from '../../lib/link/index.ts';
import { parseBridgeConfig } from './config.ts';
import { openNamespaces } from '../../lib/netns/index.ts';
import { type ObservedAttachment, firstMismatch } from './verify.ts';

/**
 * CHECK: what prevResult says exists must exist: the bridge, the veth pair joined to it, the
 * container's addresses and routes, the masquerade rules; and IPAM's own CHECK. Unlike the
 * reference, an L2 network (no IPAM) skips the IPAM check instead of failing.
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseBridgeConfig(req);
  const prev = parsePrevResult(req.config); // checked whole (code 6 or 7) before anything is compared
  if (!prev) throw new CniError(ErrorCode.InvalidConfig, 'Required prevResult missing', 'CHECK needs the result of the ADD in prevResult');
  const interfaces = prev.interfaces ?? [];
  const bridgeEntry = interfaces.find((i) => i.name === cfg.bridge && !i.sandbox);
  const ctrEntry = interfaces.find((i) => i.name === req.ifname && i.sandbox === req.netns);
  if (!ctrEntry) throw new CniError(ErrorCode.InvalidConfig, `invalid prevResult: it has no interface ${req.ifname} in sandbox ${req.netns}`, 'CHECK needs the result of this attachment\'s ADD');
  const hostEntries = interfaces.filter((i) => !i.sandbox && i !== bridgeEntry);

  // before IPAM's CHECK, so a CNI_NETNS that is wrong (or the plugin's own) is named as such
  const n = openNamespaces(req.netns);
  let seen: ObservedAttachment;
  try {
    const container = getLink(n.ctr, req.ifname);
    seen = {
      bridge: getLink(n.host, cfg.bridge),
      container,
      hostLinks: hostEntries.map((i) => getLink(n.host, i.name)),
      containerAddresses: container ? listAddresses(n.ctr, { index: container.index }) : [],
      containerRoutes: [...listRoutes(n.ctr, { family: 4 }), ...listRoutes(n.ctr, { family: 6 })],
    };
  } finally {
    n.close();
  }
  if (cfg.ipamType) await ipamClient(cfg.ipamType, req.path).check(req);
  const problem = firstMismatch(cfg, req, prev, { bridge: bridgeEntry, container: ctrEntry }, seen);
  if (problem) throw new CniError(ErrorCode.Internal, problem);

  if (cfg.ipMasq && cfg.ipamType) {
    const ips = (prev.ips ?? []).map((ip) => parseCidr(ip.address));
    await selectBackend(masquerade, cfg.ipMasqBackend, systemRunner()).check({ network: cfg.network, containerId: req.containerId, ifname: req.ifname, ips });
  }
}
