import { type Family, ipToString, parseCidr, parseIp, subnetOf } from '../../lib/addr/index.ts';
import { CniError, type Dns, ErrorCode, type IpConfig, type NetConf, type Result, type Route, parsePrevResult } from '../../lib/cni/index.ts';
import type { BackendName, MasqAddress } from '../../lib/firewall/index.ts';
import type { ContainerVethSettings, InterfaceAddress, InterfaceRoute, InterfaceSettings, PeerAddress } from '../../lib/link/index.ts';
import type { PtpConfig } from './config.ts';

/** The index of the container interface in the result: [host veth, container]. */
export const CONTAINER_IF_INDEX = 1;

/** What an ADD will do, decided from the config alone before anything changes. */
export interface PtpPlan {
  readonly network: string;
  readonly veth: ContainerVethSettings;
  readonly ipamType: string;
  /** Masquerade the container's addresses; `backend` is the configured one, if any. */
  readonly masquerade: { readonly backend: BackendName | undefined } | undefined;
  /** Replaces the DNS settings IPAM returned. */
  readonly dns: Dns | undefined;
}

/** What the IPAM result turns into, on both ends of the veth pair. */
export interface AddressPlan {
  /** The result's addresses, all on the container interface. */
  readonly ips: IpConfig[];
  /** The result's routes: IPAM's, unchanged (the reference adds none of its own to the result). */
  readonly routes: Route[];
  /** The container interface's addresses and IPAM's routes, gateways resolved. */
  readonly iface: InterfaceSettings;
  /** Per address: the peer on the host end and the routes through it. */
  readonly peers: PeerAddress[];
  /** The families to forward on the host. */
  readonly families: Family[];
  /** The container's addresses with their prefixes, for masquerading. */
  readonly masq: MasqAddress[];
}

/** The plan of one attachment, from the parsed config. */
export function planPtp(cfg: PtpConfig, ifname: string): PtpPlan {
  return {
    network: cfg.network,
    veth: { ifname, mtu: cfg.mtu },
    ipamType: cfg.ipamType,
    masquerade: cfg.ipMasq ? { backend: cfg.ipMasqBackend } : undefined,
    dns: cfg.dns,
  };
}

function familyOf(address: string): Family {
  return address.includes(':') ? 6 : 4;
}

/**
 * Turns an IPAM result into the two ends' configuration: each address goes on the container
 * interface with its subnet routed via its gateway, and the gateway goes on the host end as a
 * /32 (/128) with a host route back to the address; IPAM's routes without a gateway use the
 * first gateway of their family (the reference's rule).
 * @throws CniError when IPAM returned no address, or an address without a gateway.
 */
export function planAddresses(ipamType: string, ipam: Result): AddressPlan {
  const source = ipam.ips ?? [];
  if (source.length === 0) {
    throw new CniError(ErrorCode.Internal, `IPAM plugin "${ipamType}" returned missing IP config`, 'check its ranges: ptp needs at least one address');
  }
  const ips: IpConfig[] = [];
  const peers: PeerAddress[] = [];
  const masq: MasqAddress[] = [];
  const addresses: InterfaceAddress[] = [];
  for (const ip of source) {
    const cidr = parseCidr(ip.address);
    if (!ip.gateway) {
      // the reference goes on and installs routes via nothing; every pod's traffic goes via its gateway
      throw new CniError(
        ErrorCode.InvalidConfig,
        `IPAM plugin "${ipamType}" returned ${ip.address} without a gateway`,
        'ptp routes the pod through the gateway address on the host end: give the IPAM configuration a gateway',
      );
    }
    const peer = ipToString(parseIp(ip.gateway));
    ips.push({ address: ip.address, gateway: ip.gateway, interface: CONTAINER_IF_INDEX });
    peers.push({ family: cidr.ip.family, ip: ipToString(cidr.ip), subnet: subnetOf(cidr), peer });
    addresses.push({ ip: ipToString(cidr.ip), prefixLength: cidr.prefix });
    masq.push(cidr);
  }
  const routes: Route[] = (ipam.routes ?? []).map((r) => ({ ...r }));
  const iface: InterfaceSettings = {
    addresses,
    routes: routes.map((r) => interfaceRoute(r, ips)),
    ipv6: peers.some((p) => p.family === 6),
    dad: false,
  };
  const families = [...new Set(peers.map((p) => p.family))].sort();
  return { ips, routes, iface, peers, families, masq };
}

function interfaceRoute(r: Route, ips: readonly IpConfig[]): InterfaceRoute {
  const family = familyOf(r.dst);
  const gateway = r.gw ?? ips.find((i) => familyOf(i.address) === family)?.gateway;
  return {
    dst: r.dst,
    ...(gateway ? { gateway } : {}),
    ...(r.priority !== undefined ? { priority: r.priority } : {}),
    ...(r.table !== undefined ? { table: r.table } : {}),
    ...(r.scope !== undefined ? { scope: r.scope } : {}),
    ...(r.mtu !== undefined ? { mtu: r.mtu } : {}),
    ...(r.advmss !== undefined ? { advmss: r.advmss } : {}),
  };
}

