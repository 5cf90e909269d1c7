// Wire types of CNI results, one family per struct shape (spec 0.1/0.2, 0.3/0.4, 1.x).
// Plugins build the 1.1 form and convert at the edge (see convert.ts).

/** DNS settings; identical in every version. */
export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A route as of 1.1.0 (mtu, advmss, priority, table and scope are 1.1 additions). */
export interface Route {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** An interface as of 1.1.0. */
export interface Interface {
  name: string;
  mac?: string;
  sandbox?: string;
  mtu?: number;
  socketPath?: string;
  pciID?: string;
}

/** An address as of 1.0.0: `address` is "ip/prefix" with host bits kept. */
export interface IpConfig {
  address: string;
  gateway?: string;
  interface?: number;
}

/** The result of spec 1.0.0 and 1.1.0: what plugins build internally. */
export interface Result {
  cniVersion: string;
  interfaces?: Interface[];
  ips?: IpConfig[];
  routes?: Route[];
  dns?: Dns;
}

/** An address of the 0.3.x/0.4.0 family, which still carries its family. */
export interface IpConfig040 extends IpConfig {
  version: '4' | '6';
}

/** The result of spec 0.3.0, 0.3.1 and 0.4.0. */
export interface Result040 {
  cniVersion: string;
  interfaces?: Interface[];
  ips?: IpConfig040[];
  routes?: Route[];
  dns?: Dns;
}

/** One family's address block of spec 0.1.0 and 0.2.0. */
export interface Ip020 {
  ip: string;
  gateway?: string;
  routes?: { dst: string; gw?: string }[];
}

/** The result of spec 0.1.0 and 0.2.0. */
export interface Result020 {
  cniVersion: string;
  ip4?: Ip020;
  ip6?: Ip020;
  dns?: Dns;
}

/** Any result on the wire. */
export type AnyResult = Result | Result040 | Result020;
