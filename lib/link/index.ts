/**
 * lib/link: what a plugin does to links, addresses, routes, sysctls and conntrack, with
 * narrow settings types (a bridge, a port, a veth pair, a gateway, an interface's L3)
 * instead of a plugin's config. Plugins reach the kernel's network configuration only
 * through this layer; lib/netlink stays the wire protocol below it.
 */
export { ensureBridge } from './bridge.ts';
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
export type { ContainerInterface } from './container-interface.ts';
export { allowLocalhostTo } from './localhost.ts';
export { bringLoopbackUp, checkLoopbackUp, takeLoopbackDown } from './loopback.ts';
export { flushUdpConntrack } from './conntrack.ts';
export type { UdpFlush } from './conntrack.ts';
export { ensureSysctl, hostLinkLocalReadyAtOnce, trySysctl } from './sysctl.ts';
export { LINK_SETTING_ORDER, currentLinkSettings, probeSysctls, setLinkSetting, writeSysctlIn } from './tuning.ts';
export type { LinkSetting, LinkSettings, NetSysctl, NetSysctlState } from './tuning.ts';
export { randomHex, randomMac, randomVethName } from './random.ts';
export { ifnameTaken } from './errors.ts';
// The primitives a plugin uses as they are: sockets, lookups and deletion.
export { NetlinkSocket, deleteLink, getLink, listAddresses, listRoutes, setLink } from '../netlink/index.ts';
export type { Address, Link, Route } from '../netlink/index.ts';
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
