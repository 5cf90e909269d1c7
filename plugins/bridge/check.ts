import { type AttachmentRequest, CniError, ErrorCode, type Interface, parsePrevResult } from '../../lib/cni/index.ts';
import { ipToString, parseCidr } from '../../lib/addr/index.ts';
import { masquerade, selectBackend, systemRunner } from '../../lib/firewall/index.ts';
import { NetlinkSocket, getLink, listAddresses, listRoutes } from '../../lib/netlink/index.ts';
import { openContainerNetns, routeSocketIn } from '../../lib/netns/index.ts';
import { parseBridgeConfig } from './config.ts';
import { ipamClient } from './ipam.ts';
import { masqAddress, subnetOf } from './plan.ts';

function fail(what: string): never {
  throw new CniError(ErrorCode.Internal, what);
}

function sameMac(a: string | undefined, b: string | undefined): boolean {
  return !a || !b || a.toLowerCase() === b.toLowerCase();
}

/**
 * CHECK: what prevResult says exists must exist: the bridge, the veth pair joined to it, the
 * container's addresses and routes, the masquerade rules; and IPAM's own CHECK. Unlike the
 * reference, an L2 network (no IPAM) skips the IPAM check instead of failing.
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const cfg = parseBridgeConfig(req);
  const prev = parsePrevResult(req.config);
  if (!prev) throw new CniError(ErrorCode.InvalidConfig, 'Required prevResult missing', 'CHECK needs the result of the ADD in prevResult');
  if (cfg.ipamType) await ipamClient(cfg.ipamType, req.path).check(req);

  const interfaces = prev.interfaces ?? [];
  const bridgeEntry = interfaces.find((i) => i.name === cfg.bridge && !i.sandbox);
  const ctrEntry = interfaces.find((i) => i.name === req.ifname && i.sandbox === req.netns);
  if (!ctrEntry) fail(`prevResult has no interface ${req.ifname} in sandbox ${req.netns}`);

  const host = NetlinkSocket.open();
  const ns = openContainerNetns(req.netns);
  const ctr = routeSocketIn(ns);
  try {
    const bridge = getLink(host, cfg.bridge);
    if (!bridge) fail(`bridge ${cfg.bridge} does not exist`);
    if (bridge.kind !== 'bridge') fail(`${cfg.bridge} is not a bridge`);
    if (bridgeEntry && !sameMac(bridgeEntry.mac, bridge.mac)) fail(`bridge ${cfg.bridge} has MAC ${bridge.mac}, prevResult says ${bridgeEntry.mac}`);
    if (bridge.promisc !== cfg.promiscMode) fail(`bridge ${cfg.bridge} promiscuous mode is ${bridge.promisc ? 'on' : 'off'}, the config says ${cfg.promiscMode ? 'on' : 'off'}`);

    const link = getLink(ctr, req.ifname);
    if (!link) fail(`interface ${req.ifname} does not exist in ${req.netns}`);
    if (link.kind !== 'veth') fail(`interface ${req.ifname} in ${req.netns} is a ${link.kind ?? 'device'}, not a veth`);
    if (!sameMac(ctrEntry.mac, link.mac)) fail(`interface ${req.ifname} has MAC ${link.mac}, prevResult says ${ctrEntry.mac}`);

    const hostEntries = interfaces.filter((i: Interface) => !i.sandbox && i !== bridgeEntry);
    const peer = hostEntries.map((i) => getLink(host, i.name)).find((l) => l?.kind === 'veth' && l.index === link.link);
    if (!peer) fail(`the host end of ${req.ifname} (ifindex ${link.link}) is not among prevResult's interfaces`);
    if (peer.master !== bridge.index) fail(`host veth ${peer.name} is not a port of ${cfg.bridge}`);

    const addrs = listAddresses(ctr, { index: link.index });
    const routes = [...listRoutes(ctr, { family: 4 }), ...listRoutes(ctr, { family: 6 })];
    for (const ip of prev.ips ?? []) {
      const c = parseCidr(ip.address);
      const addr = ipToString(c.ip);
      if (!addrs.some((a) => a.address === addr && a.prefixLen === c.prefix)) fail(`address ${ip.address} is missing on ${req.ifname}`);
      const net = subnetOf(c);
      if (!routes.some((r) => r.dst === net)) fail(`the route to ${net} is missing in ${req.netns}`);
    }
    for (const r of prev.routes ?? []) {
      const dstText = subnetOf(parseCidr(r.dst));
      const found = routes.some((x) => x.dst === dstText && (!r.gw || x.gateway === r.gw));
      if (!found) fail(`route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing in ${req.netns}`);
    }
    if (cfg.ipMasq && cfg.ipamType) {
      const ips = (prev.ips ?? []).map((ip) => masqAddress(parseCidr(ip.address)));
      await selectBackend(masquerade, cfg.ipMasqBackend, systemRunner()).check({ network: cfg.network, containerId: req.containerId, ifname: req.ifname, ips });
    }
  } finally {
    ctr.close();
    ns.close();
    host.close();
  }
}
