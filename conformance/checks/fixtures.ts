// Shared configurations and small steps for the checks: the network objects a runtime would
// hold, pods, and the warm-up/snapshot sequence behind "nothing is left on the node".
import { dirname, join } from 'node:path';
import type { TestNamespace } from '../../lib/testing/index.ts';
import { ensure } from '../expect.ts';
import { addNetwork, delNetwork, type Attachment, type CapabilityArgs, type Network } from '../network.ts';
import { snapshotNode } from '../node-state.ts';
import type { CheckContext, PluginName, Side } from '../types.ts';
import type { SpecVersion } from '../versions.ts';

/** The bridge every bridge check creates (inside its own node namespace). */
export const BRIDGE = 'cnibr0';

/** The pod subnet of bridge checks; the gateway is .1 on the bridge. */
export const POD_SUBNET = '10.88.0.0/24';
export const POD_GATEWAY = '10.88.0.1';

/** host-local's `ipam` object with the check's private dataDir. */
export function ipamConf(ctx: CheckContext, opts: { subnet?: string; routes?: boolean; extra?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    type: 'host-local',
    subnet: opts.subnet ?? POD_SUBNET,
    ...(opts.routes === false ? {} : { routes: [{ dst: '0.0.0.0/0' }] }),
    dataDir: ctx.dataDir,
    ...opts.extra,
  };
}

/** The bridge plugin object used throughout (gateway on the bridge, masquerade on). */
export function bridgeConf(ctx: CheckContext, opts: { subnet?: string; ipam?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    type: 'bridge',
    bridge: BRIDGE,
    isGateway: true,
    ipMasq: true,
    ipam: opts.ipam ?? ipamConf(ctx, opts.subnet !== undefined ? { subnet: opts.subnet } : {}),
  };
}

/**
 * The portmap plugin object (declares the portMappings capability). `stateDir` keeps an
 * implementation that records its rules on disk (ours) inside the check's temporary
 * directory; plugins that do not know the key ignore it.
 */
export function portmapConf(ctx: CheckContext): Record<string, unknown> {
  return { type: 'portmap', capabilities: { portMappings: true }, stateDir: join(dirname(ctx.dataDir), 'portmap-state') };
}

/**
 * The firewall plugin object: the iptables backend, which every implementation has (Go: no
 * nftables). `stateDir` keeps an implementation that records its rules on disk (ours) inside
 * the check's temporary directory, as portmapConf does; plugins that do not know it ignore it.
 */
export function firewallConf(ctx: CheckContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'firewall', backend: 'iptables', stateDir: join(ctx.tmp, 'firewall-state'), ...extra };
}

/** The tuning plugin object, its backups kept in the check's temporary directory. */
export function tuningConf(ctx: CheckContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'tuning', dataDir: tuningDataDir(ctx), ...extra };
}

/** Where tuning keeps `<containerID>_<ifname>.json` in a check. */
export function tuningDataDir(ctx: CheckContext): string {
  return join(ctx.tmp, 'tuning');
}

/** The subnet and gateway of ptp checks (host-local gives the first address as gateway). */
export const PTP_SUBNET = '10.89.0.0/24';
export const PTP_GATEWAY = '10.89.0.1';

/** The ptp plugin object (masquerade on, host-local with the check's dataDir). */
export function ptpConf(ctx: CheckContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'ptp', ipMasq: true, ipam: ipamConf(ctx, { subnet: PTP_SUBNET }), ...extra };
}

/** A `[ptp(+host-local)]` network, mixing directories as asked. */
export function ptpNetwork(ctx: CheckContext, version: SpecVersion, opts: { ptpSide?: Side; ipamSide?: Side; conf?: Record<string, unknown> } = {}): Network {
  const ptpBin = ctx.bin('ptp', opts.ptpSide ?? 'plugins');
  const ipamDir = dirname(ctx.bin('host-local', opts.ipamSide ?? opts.ptpSide ?? 'plugins'));
  return { name: 'conformance-ptp', cniVersion: version, plugins: [{ conf: ptpConf(ctx, opts.conf), binary: ptpBin, cniPath: [ipamDir, dirname(ptpBin)].join(':') }] };
}

/** `{portMappings: [...]}` capability arguments for one TCP mapping. */
export function portMappings(hostPort: number, containerPort = 80): CapabilityArgs {
  return { portMappings: [{ hostPort, containerPort, protocol: 'tcp' }] };
}

/** Options of {@link bridgeNetwork}. */
export interface BridgeNetworkOptions {
  /** Where bridge comes from (default `plugins`). */
  bridgeSide?: Side;
  /** Where bridge finds host-local (CNI_PATH order; default: the same directory). */
  ipamSide?: Side;
  /** Append portmap from this side. */
  portmapSide?: Side;
  subnet?: string;
  name?: string;
}

/** A network list `[bridge(+host-local)] (+ portmap)` at `version`, mixing directories as asked. */
export function bridgeNetwork(ctx: CheckContext, version: SpecVersion, opts: BridgeNetworkOptions = {}): Network {
  const bridgeBin = ctx.bin('bridge', opts.bridgeSide ?? 'plugins');
  const ipamDir = dirname(ctx.bin('host-local', opts.ipamSide ?? opts.bridgeSide ?? 'plugins'));
  const plugins = [
    {
      conf: bridgeConf(ctx, opts.subnet !== undefined ? { subnet: opts.subnet } : {}),
      binary: bridgeBin,
      cniPath: [ipamDir, dirname(bridgeBin)].join(':'),
    },
  ];
  if (opts.portmapSide) plugins.push({ conf: portmapConf(ctx), binary: ctx.bin('portmap', opts.portmapSide), cniPath: dirname(ctx.bin('portmap', opts.portmapSide)) });
  return { name: opts.name ?? 'conformance-net', cniVersion: version, plugins };
}

/** A single-plugin network list. */
export function singleNetwork(ctx: CheckContext, plugin: PluginName, conf: Record<string, unknown>, version: SpecVersion, side: Side = 'plugins'): Network {
  return { name: 'conformance-net', cniVersion: version, plugins: [{ conf: { type: plugin, ...conf }, binary: ctx.bin(plugin, side) }] };
}

/** A pod: its own namespace and an attachment (fresh container ID, `eth0`). */
export interface Pod extends Attachment {
  readonly ns: TestNamespace;
}

/** Creates a pod namespace and an attachment for it. */
export function newPod(ctx: CheckContext, ifname = 'eth0'): Pod {
  const ns = ctx.namespace('pod');
  return { ns, containerId: ctx.containerId(), ifname, netns: ns.path };
}

/**
 * ADDs and DELs a throwaway pod so the node holds its shared state (bridge, top-level chains,
 * lock files), then returns a snapshot to compare against after the attachment under test.
 */
export async function warmUp(ctx: CheckContext, net: Network, capabilityArgs?: CapabilityArgs): Promise<string[]> {
  const pod = newPod(ctx);
  const result = await addNetwork(ctx, net, pod, capabilityArgs);
  await delNetwork(ctx, net, pod, { prevResult: result, ...(capabilityArgs ? { capabilityArgs } : {}) });
  pod.ns.remove();
  return snapshotNode(ctx.node(), [ctx.dataDir]);
}

/** The link names in a namespace. */
export function linkNames(ns: TestNamespace): string[] {
  const links = JSON.parse(ns.exec(['ip', '-j', 'link', 'show']) || '[]') as { ifname: string }[];
  return links.map((l) => l.ifname);
}

/** The global addresses (`ip/prefix`) on one link in a namespace, or [] when it does not exist. */
export function linkAddresses(ns: TestNamespace, ifname: string): string[] {
  const r = ns.tryExec(['ip', '-j', 'addr', 'show', 'dev', ifname]);
  if (r.code !== 0) return [];
  const data = JSON.parse(r.stdout || '[]') as { addr_info?: { local: string; prefixlen: number; scope?: string }[] }[];
  return (data[0]?.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);
}

/** Fails unless `ifname` exists in `ns` and carries `cidr`. */
export function expectAddress(ns: TestNamespace, ifname: string, cidr: string, what: string): void {
  const addrs = linkAddresses(ns, ifname);
  ensure(addrs.includes(cidr), `${what}: ${ifname} in ${ns.name} has ${addrs.length ? addrs.join(', ') : 'no addresses'}, expected ${cidr}`);
}
