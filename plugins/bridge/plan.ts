import type { Dns } from '../../lib/cni/index.ts';
import type { BackendName } from '../../lib/firewall/index.ts';
import type { BridgeSettings, ContainerVethSettings, PortSettings, VlanGatewaySettings } from '../../lib/link/index.ts';
import { type AttachmentSettings, type BridgeConfig, usesVlans } from './config.ts';
import type { L3Options } from './l3-plan.ts';

/**
 * What an ADD will do, decided from the config alone before anything changes: the links to
 * make and how, whether addresses come from IPAM, and which firewall features to install.
 */
export interface BridgePlan {
  readonly network: string;
  readonly bridge: BridgeSettings;
  readonly port: PortSettings;
  readonly veth: ContainerVethSettings;
  /** The IPAM plugin's type; absent for an L2 network. */
  readonly ipamType: string | undefined;
  readonly l3: L3Options;
  /** With `vlan` and `isGateway`, the gateway addresses go on the VLAN's gateway interface. */
  readonly vlanGateway: VlanGatewaySettings | undefined;
  /** Masquerade the container's addresses; `backend` is the configured one, if any. */
  readonly masquerade: { readonly backend: BackendName | undefined } | undefined;
  readonly macSpoofCheck: boolean;
  /** false with disableContainerInterface: the container end stays down. */
  readonly containerUp: boolean;
  /** Replaces the DNS settings IPAM returned. */
  readonly dns: Dns | undefined;
}

/** The plan of one attachment, from the parsed config and its per-attachment settings. */
export function planBridge(cfg: BridgeConfig, settings: AttachmentSettings, ifname: string): BridgePlan {
  const vlans = usesVlans(cfg);
  return {
    network: cfg.network,
    bridge: { name: cfg.bridge, mtu: cfg.mtu, vlanFiltering: vlans, promisc: cfg.promiscMode },
    port: {
      hairpin: cfg.hairpinMode,
      isolated: cfg.portIsolation,
      vlans: vlans ? { access: cfg.vlan, trunk: cfg.vlanTrunk, preserveDefault: cfg.preserveDefaultVlan } : undefined,
    },
    veth: { ifname, mtu: cfg.mtu, mac: settings.mac },
    ipamType: cfg.ipamType,
    l3: { ipamType: cfg.ipamType ?? '', isGateway: cfg.isGateway, isDefaultGateway: cfg.isDefaultGateway, dad: cfg.enableDad, forceAddress: cfg.forceAddress },
    vlanGateway: cfg.vlan ? { vlan: cfg.vlan, preserveDefaultVlan: cfg.preserveDefaultVlan } : undefined,
    // masquerade is for the addresses IPAM gives, so an L2 network has none (as the reference)
    masquerade: cfg.ipMasq && cfg.ipamType ? { backend: cfg.ipMasqBackend } : undefined,
    macSpoofCheck: cfg.macspoofchk,
    containerUp: !cfg.disableContainerInterface,
    dns: cfg.dns,
  };
}
