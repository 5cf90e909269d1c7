import {
  AF_INET6,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINK_NETNSID,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  NETLINK_ROUTE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REPLACE,
  RTA_DST,
  RTA_OIF,
  RTA_TABLE,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_DELROUTE,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_GETROUTE,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  RTM_SETLINK,
  RTN_LOCAL,
  RTPROT_KERNEL,
  RT_SCOPE_HOST,
  RT_TABLE_MAIN,
} from '../netlink/constants.ts';
import { IFADDRMSG_LEN, IFINFOMSG_LEN, decodeIfAddrMsg, decodeIfInfoMsg, encodeIfInfoMsg, encodeRtMsg } from '../netlink/headers.ts';
import { parseRoute, type Route } from '../netlink/route.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import { IFLA_VLAN_ID, IFLA_VLAN_PROTOCOL } from '../netlink/vlan.ts';
import { IFLA_VRF_TABLE } from '../netlink/vrf.ts';
import { type Attr, type NlMessage, attrMap, bytesAttr, encodeAttrs, nestedAttr, readString, readU32, stringAttr, u16Attr, u32Attr } from '../netlink/wire.ts';
import { EEXIST, EINVAL, ENODEV, EOPNOTSUPP } from '../sys/index.ts';
import { FakeTransport, fakeAck, fakeDone, fakeMessage } from './fake-transport.ts';

// A stateful stand-in for rtnetlink, for unit tests of link kinds this machine's kernel lacks
// (8021q vlan, vrf): namespaces holding links, addresses and routes, created, moved, renamed,
// enslaved and deleted by the requests lib/netlink sends, with the kernel's rules that the
// code under test depends on: names and VLAN ids unique, rename only while down, a VLAN's MTU
// at most its parent's, an unknown kind refused with EOPNOTSUPP ("Unknown device type") as a
// kernel without the module does; enslaving to a VRF flushes the link's routes from the main
// table and drops its IPv6 addresses (keep_addr_on_down off), an IPv6 address on a VRF port
// gets its /128 local route in the VRF table, deleting a parent deletes its VLANs, deleting a
// VRF releases its ports. Every request is kept in `sent` for message-level assertions.

/** EBUSY: what renaming an up device gets. */
const EBUSY_ERRNO = 16;

/** One link in a fake namespace. */
export interface FakeLink {
  index: number;
  name: string;
  kind: string | undefined;
  mtu: number;
  up: boolean;
  master: number;
  mac: string;
  /** VLAN: the parent's index and namespace. */
  parent?: { readonly index: number; readonly ns: FakeNetns };
  vlanId?: number;
  vlanProtocol?: number;
  vrfTable?: number;
}

interface FakeAddress {
  readonly index: number;
  readonly family: number;
  readonly payload: Buffer;
  readonly key: string;
}

interface FakeRoute {
  readonly route: Route;
  readonly payload: Buffer;
}

/** A namespace of the fake kernel; `fd` is what IFLA_NET_NS_FD names it by. */
export class FakeNetns {
  readonly links = new Map<number, FakeLink>();
  addresses: FakeAddress[] = [];
  routes: FakeRoute[] = [];
  constructor(
    readonly kernel: FakeKernel,
    readonly name: string,
    readonly fd: number,
  ) {}

  /** A socket on this namespace (every request lands in `kernel.sent`). */
  socket(): NetlinkSocket {
    return new NetlinkSocket(new FakeTransport((req) => this.kernel.answer(this, req)), NETLINK_ROUTE);
  }

  /** Adds a plain device (an uplink, a pod's veth end) without a request. */
  addDevice(name: string, opts: { kind?: string; mtu?: number; up?: boolean } = {}): FakeLink {
    const link: FakeLink = { index: this.kernel.nextIndex(), name, kind: opts.kind, mtu: opts.mtu ?? 1500, up: opts.up ?? true, master: 0, mac: this.kernel.nextMac() };
    this.links.set(link.index, link);
    return link;
  }

  byName(name: string): FakeLink | undefined {
    return [...this.links.values()].find((l) => l.name === name);
  }

  routesOf(table: number): Route[] {
    return this.routes.filter((r) => r.route.table === table).map((r) => r.route);
  }
}

/** The fake kernel: its namespaces and every request they received. */
export class FakeKernel {
  readonly sent: { readonly ns: string; readonly msg: NlMessage }[] = [];
  readonly namespaces: FakeNetns[] = [];
  /** Link kinds this "kernel" was built without. */
  readonly unsupportedKinds: Set<string>;
  #index = 1;
  #mac = 1;

  constructor(opts: { unsupportedKinds?: readonly string[] } = {}) {
    this.unsupportedKinds = new Set(opts.unsupportedKinds ?? []);
  }

  netns(name: string): FakeNetns {
    const ns = new FakeNetns(this, name, 1000 + this.namespaces.length);
    this.namespaces.push(ns);
    ns.addDevice('lo', { mtu: 65536 });
    return ns;
  }

  nextIndex(): number {
    return this.#index++;
  }

  nextMac(): string {
    const n = this.#mac++;
    return `02:00:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
  }

  /** The requests of one type, in order. */
  requests(type: number): NlMessage[] {
    return this.sent.filter((s) => s.msg.type === type).map((s) => s.msg);
  }

  /** Answers one request sent to `ns`. */
  answer(ns: FakeNetns, req: NlMessage): Buffer[] {
    this.sent.push({ ns: ns.name, msg: req });
    const dump = (req.flags & NLM_F_DUMP) === NLM_F_DUMP;
    try {
      switch (req.type) {
        case RTM_GETLINK:
          return dump ? this.#dumpOf(req, [...ns.links.values()].map((l) => this.#linkMessage(ns, l))) : this.#getLink(ns, req);
        case RTM_NEWLINK:
          this.#newLink(ns, req);
          return [fakeAck(req)];
        case RTM_SETLINK:
          this.#setLink(ns, req);
          return [fakeAck(req)];
        case RTM_DELLINK:
          this.#delLink(ns, this.#target(ns, req));
          return [fakeAck(req)];
        case RTM_GETADDR:
          return this.#dumpOf(req, ns.addresses.map((a) => a.payload).map((p) => ({ type: RTM_NEWADDR, payload: p })));
        case RTM_NEWADDR:
          this.#newAddress(ns, req);
          return [fakeAck(req)];
        case RTM_DELADDR:
          return [fakeAck(req)];
        case RTM_GETROUTE:
          return this.#dumpOf(req, ns.routes.map((r) => ({ type: RTM_NEWROUTE, payload: r.payload })));
        case RTM_NEWROUTE:
          this.#newRoute(ns, req);
          return [fakeAck(req)];
        case RTM_DELROUTE:
          return [fakeAck(req)];
        default:
          return [fakeAck(req, EOPNOTSUPP)];
      }
    } catch (e) {
      if (e instanceof FakeKernelError) return [fakeAck(req, e.errno, e.extAck)];
      throw e;
    }
  }

  #dumpOf(req: NlMessage, items: readonly { type: number; payload: Buffer }[]): Buffer[] {
    return [...items.map((i) => fakeMessage(i.type, NLM_F_MULTI, req.seq, i.payload)), fakeDone(req)];
  }

  #target(ns: FakeNetns, req: NlMessage): FakeLink {
    const ifi = decodeIfInfoMsg(req.payload);
    const attrs = attrMap(req.payload.subarray(IFINFOMSG_LEN));
    const name = attrs.get(IFLA_IFNAME);
    const link = ifi.index ? ns.links.get(ifi.index) : name && ns.byName(readString(name));
    if (!link) throw new FakeKernelError(ENODEV);
    return link;
  }

  #getLink(ns: FakeNetns, req: NlMessage): Buffer[] {
    const link = this.#target(ns, req);
    const m = this.#linkMessage(ns, link);
    return [fakeMessage(m.type, 0, req.seq, m.payload), fakeAck(req)];
  }

  #linkMessage(ns: FakeNetns, l: FakeLink): { type: number; payload: Buffer } {
    const attrs: Attr[] = [stringAttr(IFLA_IFNAME, l.name), u32Attr(IFLA_MTU, l.mtu), bytesAttr(IFLA_ADDRESS, Buffer.from(l.mac.split(':').map((x) => Number.parseInt(x, 16))))];
    if (l.master) attrs.push(u32Attr(IFLA_MASTER, l.master));
    if (l.parent) {
      attrs.push(u32Attr(IFLA_LINK, l.parent.index));
      if (l.parent.ns !== ns) attrs.push(u32Attr(IFLA_LINK_NETNSID, 0));
    }
    if (l.kind) {
      const data: Attr[] = [];
      if (l.kind === 'vlan') {
        const be = Buffer.alloc(2);
        be.writeUInt16BE(l.vlanProtocol ?? 0x8100, 0);
        data.push(u16Attr(IFLA_VLAN_ID, l.vlanId ?? 0), { type: IFLA_VLAN_PROTOCOL, value: be });
      }
      if (l.kind === 'vrf') data.push(u32Attr(IFLA_VRF_TABLE, l.vrfTable ?? 0));
      attrs.push(nestedAttr(IFLA_LINKINFO, [stringAttr(IFLA_INFO_KIND, l.kind), ...(data.length ? [nestedAttr(IFLA_INFO_DATA, data)] : [])]));
    }
    const payload = Buffer.concat([encodeIfInfoMsg({ index: l.index, flags: l.up ? IFF_UP : 0 }), encodeAttrs(attrs)]);
    return { type: RTM_NEWLINK, payload };
  }

  #newLink(ns: FakeNetns, req: NlMessage): void {
    const ifi = decodeIfInfoMsg(req.payload);
    const attrs = attrMap(req.payload.subarray(IFINFOMSG_LEN));
    const name = readString(attrs.get(IFLA_IFNAME) ?? Buffer.alloc(0));
    const info = attrMap(attrs.get(IFLA_LINKINFO) ?? Buffer.alloc(0));
    const kind = info.get(IFLA_INFO_KIND) && readString(info.get(IFLA_INFO_KIND) as Buffer);
    if (!kind) throw new FakeKernelError(EINVAL, 'kind missing');
    if (this.unsupportedKinds.has(kind)) throw new FakeKernelError(EOPNOTSUPP, 'Unknown device type');
    const fd = readU32(attrs.get(IFLA_NET_NS_FD));
    const dest = fd === undefined ? ns : this.namespaces.find((n) => n.fd === fd);
    if (!dest) throw new FakeKernelError(EINVAL, 'Invalid netns fd');
    if (ns.byName(name) || dest.byName(name)) throw new FakeKernelError(EEXIST);
    const data = attrMap(info.get(IFLA_INFO_DATA) ?? Buffer.alloc(0));
    const link: FakeLink = { index: this.nextIndex(), name, kind, mtu: readU32(attrs.get(IFLA_MTU)) ?? 1500, up: (ifi.flags & IFF_UP) !== 0, master: 0, mac: this.nextMac() };
    if (kind === 'vlan') {
      const parent = ns.links.get(readU32(attrs.get(IFLA_LINK)) ?? 0);
      if (!parent) throw new FakeKernelError(ENODEV, 'parent missing');
      const id = data.get(IFLA_VLAN_ID)?.readUInt16LE(0) ?? -1;
      if (id < 0 || id > 4094) throw new FakeKernelError(EINVAL, 'Invalid VLAN id');
      const proto = data.get(IFLA_VLAN_PROTOCOL)?.readUInt16BE(0) ?? 0x8100;
      const clash = this.namespaces.flatMap((n) => [...n.links.values()]).some((l) => l.kind === 'vlan' && l.parent?.index === parent.index && l.vlanId === id && l.vlanProtocol === proto);
      if (clash) throw new FakeKernelError(EEXIST, 'VLAN device already exists');
      if (attrs.has(IFLA_MTU) && link.mtu > parent.mtu) throw new FakeKernelError(EINVAL);
      if (!attrs.has(IFLA_MTU)) link.mtu = parent.mtu;
      Object.assign(link, { parent: { index: parent.index, ns }, vlanId: id, vlanProtocol: proto, mac: parent.mac });
    }
    if (kind === 'vrf') {
      const table = readU32(data.get(IFLA_VRF_TABLE));
      if (!table) throw new FakeKernelError(EINVAL, 'Invalid VRF table id');
      link.vrfTable = table;
      link.mtu = 65575;
    }
    dest.links.set(link.index, link);
  }

  #setLink(ns: FakeNetns, req: NlMessage): void {
    const link = this.#target(ns, req);
    const ifi = decodeIfInfoMsg(req.payload);
    const attrs = attrMap(req.payload.subarray(IFINFOMSG_LEN));
    const name = attrs.get(IFLA_IFNAME);
    if (name && ifi.index) {
      const to = readString(name);
      if (to !== link.name) {
        if (ns.byName(to)) throw new FakeKernelError(EEXIST);
        if (link.up) throw new FakeKernelError(EBUSY_ERRNO);
        link.name = to;
      }
    }
    const mtu = readU32(attrs.get(IFLA_MTU));
    if (mtu !== undefined) link.mtu = mtu;
    const master = readU32(attrs.get(IFLA_MASTER));
    if (master !== undefined) this.#enslave(ns, link, master);
    if (ifi.change & IFF_UP) link.up = (ifi.flags & IFF_UP) !== 0;
  }

  #enslave(ns: FakeNetns, link: FakeLink, master: number): void {
    if (master === 0) {
      link.master = 0;
      return;
    }
    const m = ns.links.get(master);
    if (!m) throw new FakeKernelError(ENODEV);
    if (m.kind !== 'vrf' && m.kind !== 'bridge') throw new FakeKernelError(EOPNOTSUPP);
    link.master = master;
    if (m.kind === 'vrf') {
      // the kernel cycles the port down and up: its routes leave the main table, and without
      // keep_addr_on_down its IPv6 addresses go too
      ns.routes = ns.routes.filter((r) => !(r.route.oif === link.index && r.route.table === RT_TABLE_MAIN));
      ns.addresses = ns.addresses.filter((a) => !(a.index === link.index && a.family === AF_INET6));
    }
  }

  #delLink(ns: FakeNetns, link: FakeLink): void {
    ns.links.delete(link.index);
    ns.addresses = ns.addresses.filter((a) => a.index !== link.index);
    ns.routes = ns.routes.filter((r) => r.route.oif !== link.index);
    for (const other of [...ns.links.values()]) if (other.master === link.index) other.master = 0;
    for (const n of this.namespaces) for (const v of [...n.links.values()]) if (v.parent?.ns === ns && v.parent.index === link.index) this.#delLink(n, v);
  }

  #newAddress(ns: FakeNetns, req: NlMessage): void {
    const ifa = decodeIfAddrMsg(req.payload);
    const link = ns.links.get(ifa.index);
    if (!link) throw new FakeKernelError(ENODEV);
    const key = `${ifa.index}/${req.payload.subarray(IFADDRMSG_LEN).toString('hex')}`;
    if (ns.addresses.some((a) => a.key === key)) throw new FakeKernelError(EEXIST);
    ns.addresses.push({ index: ifa.index, family: ifa.family, payload: Buffer.from(req.payload), key });
    const master = ns.links.get(link.master);
    if (ifa.family === AF_INET6 && master?.kind === 'vrf') {
      const local = attrMap(req.payload.subarray(IFADDRMSG_LEN)).get(2 /* IFA_LOCAL */) ?? Buffer.alloc(16);
      const table = master.vrfTable ?? 0;
      const payload = Buffer.concat([
        encodeRtMsg({ family: AF_INET6, dstLen: 128, table: table < 256 ? table : 0, protocol: RTPROT_KERNEL, scope: RT_SCOPE_HOST, type: RTN_LOCAL }),
        encodeAttrs([bytesAttr(RTA_DST, local), u32Attr(RTA_OIF, ifa.index), u32Attr(RTA_TABLE, table)]),
      ]);
      this.#storeRoute(ns, payload, false);
    }
  }

  #newRoute(ns: FakeNetns, req: NlMessage): void {
    this.#storeRoute(ns, Buffer.from(req.payload), (req.flags & NLM_F_REPLACE) !== 0, (req.flags & NLM_F_EXCL) !== 0);
  }

  #storeRoute(ns: FakeNetns, payload: Buffer, replace: boolean, exclusive = true): void {
    const route = parseRoute({ type: RTM_NEWROUTE, flags: 0, seq: 0, pid: 0, payload });
    if (!route) throw new FakeKernelError(EINVAL);
    const same = (r: FakeRoute) => r.route.family === route.family && r.route.dst === route.dst && r.route.table === route.table && (r.route.priority ?? 0) === (route.priority ?? 0);
    if (replace) ns.routes = ns.routes.filter((r) => !same(r));
    else if (exclusive && ns.routes.some(same)) throw new FakeKernelError(EEXIST);
    ns.routes.push({ route, payload });
  }
}

/** An errno (and ext-ack text) the fake kernel answers with. */
class FakeKernelError extends Error {
  constructor(
    readonly errno: number,
    readonly extAck?: string,
  ) {
    super(`errno ${errno}`);
  }
}
