import { CniError, type Dns, ErrorCode, type IpConfig, type Result, type Route } from '../../lib/cni/index.ts';
import { type ChildLinkSettings, type InterfaceSettings, type Link, addressesOn, checkParent, childMtu, singleInterfaceSettings } from '../../lib/link/index.ts';
import type { IpvlanConfig } from './config.ts';

/** The pod's interface is the only one in the result. */
export const CONTAINER_IF_INDEX = 0;

/** What an ADD will do, decided from the config and the master before anything changes. */
export interface IpvlanPlan {
  readonly child: ChildLinkSettings;
  readonly masterName: string;
  readonly dns: Dns | undefined;
}

/** The addresses (IPAM's or the chained result's) as the pod's interface gets them. */
export interface AddressPlan {
  readonly ips: IpConfig[];
  readonly routes: Route[];
  readonly iface: InterfaceSettings;
}

/**
 * The plan of one attachment, from the parsed config and the master as the kernel shows it.
 * @throws CniError code 7 when the master cannot carry an ipvlan or the MTU is out of its range.
 */
export function planIpvlan(cfg: IpvlanConfig, ifname: string, master: Link): IpvlanPlan {
  checkParent(master, 'ipvlan');
  return {
    child: {
      ifname,
      kind: { kind: 'ipvlan', mode: cfg.mode },
      parentIndex: master.index,
      parentInPod: cfg.linkInContainer,
      mtu: childMtu(cfg.mtu, master),
    },
    masterName: master.name,
    dns: cfg.dns,
  };
}

/**
 * The addresses and routes (from IPAM, or the chained result), all on the pod's interface.
 * @throws CniError when there is no address (the reference's message).
 */
export function planAddresses(source: string, given: Result): AddressPlan {
  const ips = addressesOn(given.ips ?? [], CONTAINER_IF_INDEX);
  if (ips.length === 0) throw new CniError(ErrorCode.Internal, 'IPAM plugin returned missing IP config', `check the ranges of IPAM plugin "${source}"`);
  const routes = (given.routes ?? []).map((r) => ({ ...r }));
  return { ips, routes, iface: singleInterfaceSettings({ ips, routes }) };
}
