/**
 * lib/link: what a plugin does to links, addresses, routes, sysctls and conntrack, with
 * narrow settings types (a bridge, a port, a veth pair, a gateway, an interface's L3)
 * instead of a plugin's config. Plugins reach the kernel's network configuration only
 * through this layer; lib/netlink stays the wire protocol below it.
 */
export { ensureBridge } from './bridge.ts';
export { bridgeOwnsHostInterface } from './bridge-membership.ts';
export type { BridgeSettings } from './bridge.ts';
export { attachPort, waitPortUp } from './port.ts';
export type { PortRef, PortSettings, PortVlans } from './port.ts';
export { createContainerVeth } from './veth.ts';
export type { ContainerVeth, ContainerVethSettings } from './veth.ts';
export { ensureVlanGateway, vlanGatewayName } from './vlan-gateway.ts';
export type { VlanGatewaySettings } from './vlan-gateway.ts';
export { enableForwarding, ensureGateway } from './gateway.ts';
export type { Gateway } from './gateway.ts';
export { configureInterface } from './interface.ts';
export { addPeerOnHost, routeSubnetViaPeer } from './point-to-point.ts';
export type { PeerAddress } from './point-to-point.ts';
export type { InterfaceAddress, InterfaceRoute, InterfaceSettings } from './interface.ts';
export { globalAddresses } from './inspect.ts';
export { findContainerInterface } from './container-interface.ts';
export { deleteOwnInterface } from './delete-own-interface.ts';
export type { OwnInterface } from './delete-own-interface.ts';
export type { ContainerInterface } from './container-interface.ts';
export { allowLocalhostTo } from './localhost.ts';
export { bringLoopbackUp, checkLoopbackUp, takeLoopbackDown } from './loopback.ts';
export { flushConntrack } from './conntrack.ts';
export type { ConntrackFlush, StaleFlow } from './conntrack.ts';
export { ensureSysctl, hostLinkLocalReadyAtOnce, trySysctl } from './sysctl.ts';
export { LINK_SETTING_ORDER, currentLinkSettings, probeSysctls, setLinkSetting, writeSysctlIn } from './tuning.ts';
export type { LinkSetting, LinkSettings, NetSysctl, NetSysctlState } from './tuning.ts';
export {
  MAIN_TABLE,
  addSourceRule,
  addTableRoute,
  hostPrefix,
  listMainRoutesOf,
  listPolicyRules,
  listRoutesOfAllTables,
  lockNamespace,
  putTableRoute,
  removeRule,
  removeTableRoute,
  routeSpecOf,
} from './policy-routing.ts';
export type { RouteSpec, Rule } from '../netlink/index.ts';
export { randomHex, randomMac, randomVethName } from './random.ts';
export { ifnameTaken } from './errors.ts';
export { moveLinkInto } from './device-move.ts';
export type { NetnsSide } from './device-move.ts';
export { getLinkAlias, listLinks, setLinkAlias } from '../netlink/index.ts';
export { createContainerTap, tapFlags, tapInfo } from './tap.ts';
export type { ContainerTapSettings } from './tap.ts';
export { createContainerDummy } from './dummy.ts';
export { interfaceSettingsFrom } from './ipam-settings.ts';
export { missingL3 } from './expected-l3.ts';
export type { ObservedL3 } from './expected-l3.ts';
// The primitives a plugin uses as they are: sockets, lookups and deletion.
export { NetlinkSocket, deleteLink, getLink, listAddresses, listRoutes, setLink } from '../netlink/index.ts';
export type { Address, Link, Route, TunInfo } from '../netlink/index.ts';
export {
  INGRESS_HANDLE,
  TBF_HANDLE,
  addIngressRedirect,
  addRootTbf,
  createShapingIfb,
  hasIngressQdisc,
  removeIngressRedirect,
  removeRootTbf,
  rootQdisc,
  vethPeerIndex,
} from './shaping.ts';
export type { Qdisc, TbfParams } from '../netlink/index.ts';
export { createContainerVlan } from './vlan.ts';
export type { ContainerVlanSettings, VlanMaster } from './vlan.ts';
export { MAX_TABLE, RESERVED_TABLES, createVrfDevice, enslaveToVrf, freeVrfTable, lookupVrf, releaseFromVrf, routeInTable, vrfPorts } from './vrf.ts';
export type { EnslavedPort, VrfDevice, VrfLookup } from './vrf.ts';
export { VLAN_SUPPORT, VRF_SUPPORT, explainMissingKind } from './kernel-support.ts';
export type { KernelFeature } from './kernel-support.ts';
export { getVlanInfo } from '../netlink/index.ts';
export type { VlanInfo } from '../netlink/index.ts';
export { createChildInPod, explainChildFailure, inspectChildLink, notifyNeighboursOnUp } from './child-link.ts';
export type { ChildKind, ChildKindSettings, ChildLinkSettings, ChildLinkSides, ChildLinkState } from './child-link.ts';
export type { IpvlanMode, MacvlanMode } from '../netlink/index.ts';
export { MIN_ETHERNET_MTU, checkParent, childMtu, defaultRouteInterface, parentProblem, resolveParent } from './parent.ts';
export type { ParentPlace } from './parent.ts';
export { addressesOn, firstL3Mismatch, singleInterfaceSettings } from './single-interface.ts';
