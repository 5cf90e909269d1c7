/**
 * lib/netlink: a synchronous rtnetlink / ctnetlink client over lib/sys. A NetlinkSocket
 * works in the netns it was opened in; open container-side sockets with lib/netns.
 */
export * from './constants.ts';
export { NetlinkError, isNetlinkError } from './errors.ts';
export type { NetlinkErrorOptions } from './errors.ts';
export { NetlinkSocket } from './socket.ts';
export type { NetlinkSocketOptions, NetlinkTransport } from './socket.ts';
export {
  align4,
  attrMap,
  bytesAttr,
  encodeAttrs,
  encodeMessage,
  nestedAttr,
  parseAttrs,
  parseDoneReply,
  parseErrorReply,
  parseMessages,
  readString,
  readU32,
  readU8,
  stringAttr,
  u16Attr,
  u32Attr,
  u8Attr,
} from './wire.ts';
export type { Attr, NlErrorReply, NlMessage, NlRequest, RawAttr } from './wire.ts';
export {
  IFADDRMSG_LEN,
  IFINFOMSG_LEN,
  NFGENMSG_LEN,
  RTMSG_LEN,
  decodeIfAddrMsg,
  decodeIfInfoMsg,
  decodeNfGenMsg,
  decodeRtMsg,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeNfGenMsg,
  encodeRtMsg,
} from './headers.ts';
export type { IfAddrMsg, IfInfoMsg, NfGenMsg, RtMsg } from './headers.ts';
export { bytesToMac, macToBytes } from './mac.ts';
export {
  deleteLink,
  getLink,
  listLinks,
  parseLink,
  setLink,
  setLinkDown,
  setLinkMac,
  setLinkMaster,
  setLinkMtu,
  setLinkPromisc,
  setLinkUp,
} from './link.ts';
export type { Link, LinkChanges, LinkRef, OperState } from './link.ts';
export { createVeth } from './veth.ts';
export type { VethEnd, VethPeer, VethSpec } from './veth.ts';
export { createBridge, getBridgeInfo, getBridgePort, listBridgePorts, setBridgeOptions, setBridgePortFlags } from './bridge.ts';
export type { BridgeInfo, BridgeOptions, BridgePort, BridgePortFlags, BridgeSpec } from './bridge.ts';
export { addBridgeVlan, deleteBridgeVlan, listBridgeVlans } from './bridge-vlan.ts';
export type { BridgeVlan, BridgeVlanSpec } from './bridge-vlan.ts';
export { addAddress, deleteAddress, listAddresses, parseAddress } from './addr.ts';
export type { Address, AddressFilter, AddressSpec } from './addr.ts';
export { addRoute, deleteRoute, listRoutes, parseRoute, replaceRoute } from './route.ts';
export type { Route, RouteFilter, RouteSpec } from './route.ts';
export { ConntrackUnavailableError, deleteConntrackEntries, openConntrackSocket } from './conntrack.ts';
export type { ConntrackFilter } from './conntrack.ts';
export * from './tc.ts';
export { addQdisc, deleteQdisc, listQdiscs, tbfOptions } from './qdisc.ts';
export type { Qdisc, QdiscSpec, TbfParams } from './qdisc.ts';
export { addRedirectFilter, redirectFilterOptions } from './filter.ts';
export type { RedirectFilterSpec } from './filter.ts';
export { createIfb } from './ifb.ts';
export type { IfbSpec } from './ifb.ts';
export { ETH_P_8021AD, ETH_P_8021Q, IFLA_VLAN_ID, IFLA_VLAN_PROTOCOL, createVlan, getVlanInfo, vlanLinkInfo } from './vlan.ts';
export type { VlanInfo, VlanProtocol, VlanSpec } from './vlan.ts';
export { IFLA_VRF_TABLE, createVrf, getVrf, listVrfs, vrfLinkInfo, vrfTableOf } from './vrf.ts';
export type { Vrf, VrfSpec } from './vrf.ts';
export { IFLA_IFALIAS, getLinkAlias, moveLinkToNetns, setLinkAlias } from './link-netns.ts';
export { createDummy } from './dummy.ts';
export type { DummySpec } from './dummy.ts';
export { getTunInfo, parseTunInfo } from './tun.ts';
export type { TunInfo } from './tun.ts';
export {
  FIB_RULE_HDR_LEN,
  FRA_DST,
  FRA_PRIORITY,
  FRA_SRC,
  FRA_TABLE,
  FR_ACT_TO_TBL,
  RTM_DELRULE,
  RTM_GETRULE,
  RTM_NEWRULE,
  addRule,
  decodeFibRuleHdr,
  deleteRule,
  encodeFibRuleHdr,
  listRules,
  parseRule,
} from './rule.ts';
export type { FibRuleHdr, Rule, RuleFilter, RuleSpec } from './rule.ts';
export { createChildLink, getLinkWithInfoData } from './child-link.ts';
export type { ChildLinkKind, ChildLinkSpec, LinkWithInfoData } from './child-link.ts';
export { IFLA_MACVLAN_BC_QUEUE_LEN, IFLA_MACVLAN_MODE, MACVLAN_MODES, macvlanKind, macvlanModeOf } from './macvlan.ts';
export type { MacvlanMode } from './macvlan.ts';
export { IFLA_IPVLAN_MODE, IPVLAN_MODES, ipvlanKind, ipvlanModeOf } from './ipvlan.ts';
export type { IpvlanMode } from './ipvlan.ts';
