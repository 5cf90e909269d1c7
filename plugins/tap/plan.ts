import { CniError, type Dns, ErrorCode, type IpConfig, type Result, type Route } from '../../lib/cni/index.ts';
import { type ContainerTapSettings, type InterfaceSettings, interfaceSettingsFrom } from '../../lib/link/index.ts';
import type { TapConfig } from './config.ts';

/** The index of the tap in the result's interfaces: it is the only one. */
export const TAP_IF_INDEX = 0;

/** What an ADD will do, decided from the config alone before anything changes. */
export interface TapPlan {
  /** The device, but for the bridge, which is looked up in the container. */
  readonly tap: Omit<ContainerTapSettings, 'master'>;
  readonly bridge: string | undefined;
  readonly ipamType: string | undefined;
  readonly dns: Dns | undefined;
  /** The note for stderr when a setting is accepted but not applied. */
  readonly notes: readonly string[];
}

/**
 * The plan of one attachment. The device gets IFF_VNET_HDR exactly when the reference sets it:
 * when both owner and group are given and no SELinux label is (its netlink path; its `ip
 * tuntap` path for the other cases leaves it off). A reader attaching later sets its own
 * vnet-header and packet-information flags anyway; only multi-queue must match.
 */
export function planTap(cfg: TapConfig, ifname: string): TapPlan {
  const notes: string[] = [];
  if (cfg.selinuxContext !== undefined) {
    notes.push(`tap: selinuxContext ${JSON.stringify(cfg.selinuxContext)} is not applied: this plugin creates the tap itself (no \`ip\` run under that label), so the device has the label this process gives it`);
  }
  return {
    tap: {
      ifname,
      multiQueue: cfg.multiQueue,
      vnetHdr: cfg.owner !== undefined && cfg.group !== undefined && cfg.selinuxContext === undefined,
      owner: cfg.owner,
      group: cfg.group,
      mtu: cfg.mtu,
      mac: cfg.mac,
    },
    bridge: cfg.bridge,
    ipamType: cfg.ipamType,
    dns: cfg.dns,
    notes,
  };
}

/** What an IPAM result turns into on the tap. */
export interface AddressPlan {
  /** The result's addresses, all on the tap. */
  readonly ips: IpConfig[];
  /** IPAM's routes, unchanged. */
  readonly routes: Route[];
  readonly iface: InterfaceSettings;
}

/**
 * Every address of the IPAM result goes on the tap, with IPAM's routes (a missing gateway is
 * the first of the route's family, as the reference).
 * @throws CniError when IPAM returned no address.
 */
export function planAddresses(ipamType: string, ipam: Result): AddressPlan {
  const source = ipam.ips ?? [];
  if (source.length === 0) {
    throw new CniError(ErrorCode.Internal, `IPAM plugin "${ipamType}" returned missing IP config`, 'check its configuration: with an ipam section the tap needs at least one address');
  }
  const ips = source.map((ip) => ({ address: ip.address, ...(ip.gateway ? { gateway: ip.gateway } : {}), interface: TAP_IF_INDEX }));
  const routes = (ipam.routes ?? []).map((r) => ({ ...r }));
  return { ips, routes, iface: interfaceSettingsFrom(ips, routes) };
}
