import { CniError, type Dns, ErrorCode, type IpConfig, type Result, type Route } from '../../lib/cni/index.ts';
import { type ChildLinkSettings, type InterfaceSettings, type Link, addressesOn, checkParent, childMtu, singleInterfaceSettings } from '../../lib/link/index.ts';
import type { MacvlanConfig } from './config.ts';

/** The pod's interface is the only one in the result. */
export const CONTAINER_IF_INDEX = 0;

/** What an ADD will do, decided from the config and the master before anything changes. */
export interface MacvlanPlan {
  readonly child: ChildLinkSettings;
  readonly masterName: string;
  /** undefined: L2 only, no addresses. */
  readonly ipamType: string | undefined;
  readonly dns: Dns | undefined;
}

/** IPAM's result as the pod's interface gets it. */
export interface AddressPlan {
  readonly ips: IpConfig[];
  readonly routes: Route[];
  readonly iface: InterfaceSettings;
}

/**
 * The plan of one attachment, from the parsed config and the master as the kernel shows it.
 * @throws CniError code 7 when the master cannot carry a macvlan or the MTU is out of its range.
 */
export function planMacvlan(cfg: MacvlanConfig, ifname: string, master: Link): MacvlanPlan {
  checkParent(master, 'macvlan');
  return {
    child: {
      ifname,
      kind: { kind: 'macvlan', mode: cfg.mode, bcQueueLen: cfg.bcQueueLen },
      parentIndex: master.index,
      parentInPod: cfg.linkInContainer,
      mtu: childMtu(cfg.mtu, master),
      mac: cfg.mac,
    },
    masterName: master.name,
    ipamType: cfg.ipamType,
    dns: cfg.dns,
  };
}

/**
 * IPAM's addresses and routes, all on the pod's interface.
 * @throws CniError when IPAM returned no address (the reference's message).
 */
export function planAddresses(ipamType: string, ipam: Result): AddressPlan {
  const ips = addressesOn(ipam.ips ?? [], CONTAINER_IF_INDEX);
  if (ips.length === 0) throw new CniError(ErrorCode.Internal, 'IPAM plugin returned missing IP config', `check the ranges of IPAM plugin "${ipamType}"`);
  const routes = (ipam.routes ?? []).map((r) => ({ ...r }));
  return { ips, routes, iface: singleInterfaceSettings({ ips, routes }) };
}
