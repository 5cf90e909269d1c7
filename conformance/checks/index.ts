// Every check of the suite, in report order.
import type { Check } from '../types.ts';
import { BRIDGE_CHECKS } from './bridge.ts';
import { FIREWALL_CHECKS } from './firewall.ts';
import { HOST_LOCAL_CHECKS } from './host-local.ts';
import { INTEROP_CHECKS } from './interop.ts';
import { INTEROP_CHAIN_CHECKS } from './interop-chains.ts';
import { LOOPBACK_CHECKS } from './loopback.ts';
import { PORTMAP_CHECKS } from './portmap.ts';
import { PROTOCOL_CHECKS } from './protocol.ts';
import { PTP_CHECKS } from './ptp.ts';
import { STATIC_CHECKS } from './static.ts';
import { BANDWIDTH_CHECKS } from './bandwidth.ts';
import { SBR_CHECKS } from './sbr.ts';
import { TUNING_CHECKS } from './tuning.ts';
import { MACVLAN_CHECKS } from './macvlan.ts';
import { IPVLAN_CHECKS } from './ipvlan.ts';
import { VLAN_CHECKS } from './vlan.ts';
import { VRF_CHECKS } from './vrf.ts';
import { HOST_DEVICE_CHECKS } from './host-device.ts';
import { TAP_CHECKS } from './tap.ts';
import { DUMMY_CHECKS } from './dummy.ts';
import { DHCP_CHECKS } from './dhcp.ts';

/** The whole suite. */
export const ALL_CHECKS: readonly Check[] = [...PROTOCOL_CHECKS, ...LOOPBACK_CHECKS, ...HOST_LOCAL_CHECKS, ...BRIDGE_CHECKS, ...PORTMAP_CHECKS, ...FIREWALL_CHECKS, ...TUNING_CHECKS, ...PTP_CHECKS, ...BANDWIDTH_CHECKS, ...STATIC_CHECKS, ...MACVLAN_CHECKS, ...IPVLAN_CHECKS, ...HOST_DEVICE_CHECKS, ...VLAN_CHECKS, ...VRF_CHECKS, ...TAP_CHECKS, ...DUMMY_CHECKS, ...SBR_CHECKS, ...DHCP_CHECKS, ...INTEROP_CHECKS, ...INTEROP_CHAIN_CHECKS];
