import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeTransport, fakeDone, fakeMessage } from '../testing/fake-transport.ts';
import { checkProperty, outcome, reportFuzzCases } from '../testing/fuzz.ts';
import { parseAddress, listAddresses } from './addr.ts';
import { getBridgeInfo, listBridgePorts } from './bridge.ts';
import { listBridgeVlans } from './bridge-vlan.ts';
import {
  IFA_ADDRESS, IFA_FLAGS, IFA_LABEL, IFA_LOCAL, IFLA_ADDRESS, IFLA_AF_SPEC, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO,
  IFLA_LINK_NETNSID, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE, IFLA_PROTINFO, NETLINK_ROUTE, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI,
  NLMSG_DONE, NLMSG_ERROR, RTA_DST, RTA_GATEWAY, RTA_METRICS, RTA_OIF, RTA_PREFSRC, RTA_TABLE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE,
} from './constants.ts';
import { NetlinkError } from './errors.ts';
import { decodeIfAddrMsg, decodeIfInfoMsg, decodeNfGenMsg, decodeRtMsg } from './headers.ts';
import { listLinks, parseLink } from './link.ts';
import { listRoutes, parseRoute } from './route.ts';
import { FRA_DST, FRA_PRIORITY, FRA_SRC, FRA_TABLE, RTM_NEWRULE, parseRule } from './rule.ts';
import { NetlinkSocket } from './socket.ts';
import { type Attr, type NlMessage, attrMap, encodeAttrs, parseAttrs, parseDoneReply, parseErrorReply, parseMessages, readString, readU32, readU8 } from './wire.ts';

// Properties of the netlink decoders over arbitrary bytes: headers, attributes, messages, and
// link, address and route parsing, alone and through a NetlinkSocket whose fake kernel answers
// with them. A malformed message is the codec's declared error (a RangeError naming the
// netlink offset, wire.ts), a refused request a NetlinkError; never a TypeError, a Node
// "offset out of range" from a Buffer read, or an error of another module.

afterAll(() => reportFuzzCases('lib/netlink decoders'));

/** The codec's own error for bytes that are not a well-formed netlink message. */
function malformed(e: unknown): boolean {
  return e instanceof RangeError && !('code' in e) && /^netlink /.test(e.message);
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));

/** Attribute values of the sizes decoders care about: empty, short, u32, an address, a MAC. */
const value = fc.oneof(
  bytes(24),
  fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 15, 16, 17).chain((n) => bytes(n).map((b) => Buffer.concat([b, Buffer.alloc(Math.max(0, n - b.length))]))),
  fc.string({ maxLength: 20 }).map((s) => Buffer.from(`${s}\0`)),
);

const LINK_TYPES = [IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER, IFLA_OPERSTATE, IFLA_LINK_NETNSID, IFLA_LINKINFO, IFLA_PROTINFO, IFLA_AF_SPEC];
const ADDR_TYPES = [IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_FLAGS];
const ROUTE_TYPES = [RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_PREFSRC, RTA_TABLE, RTA_METRICS];
const RULE_TYPES = [FRA_DST, FRA_SRC, FRA_PRIORITY, FRA_TABLE];
const NEST_TYPES = [IFLA_INFO_KIND, IFLA_INFO_DATA, 1, 2, 3, 4, 5, 6];

const attr = (types: readonly number[]): fc.Arbitrary<Attr> =>
  fc.letrec<{ a: Attr }>((tie) => ({
    a: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ type: fc.oneof(fc.constantFrom(...types), fc.nat(0xffff)), value }),
      fc.record({ type: fc.constantFrom(...types), value: fc.array(tie('a'), { maxLength: 3 }).map((children) => children.map((c) => ({ ...c, type: NEST_TYPES[c.type % NEST_TYPES.length] as number }))) }),
    ),
  })).a;

/** A payload: a fixed header of any length (the real one is 4-16 bytes) and attributes; maybe with flipped bytes. */
const payload = (types: readonly number[], family: fc.Arbitrary<number>) =>
  fc.tuple(family, bytes(16), fc.array(attr(types), { maxLength: 6 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }), fc.nat(20)).map(([fam, head, attrs, flips, cut]) => {
    const fixed = Buffer.concat([Buffer.of(fam), head]).subarray(0, Math.max(0, 16 - (cut % 17)));
    const p = Buffer.concat([fixed, encodeAttrs(attrs)]);
    for (const [at, b] of flips) if (p.length > 0) p[at % p.length] = b;
    return p;
  });

const msg = (type: number, p: Buffer): NlMessage => ({ type, flags: 0, seq: 1, pid: 0, payload: p });
const family = fc.constantFrom(2, 10, 7, 0, 255);

describe('wire: messages and attributes from arbitrary bytes', () => {
  it('parseMessages, parseAttrs, attrMap and the readers give values or the declared RangeError', () => {
    checkProperty([fc.oneof(bytes(200), payload(LINK_TYPES, family))], (b) => {
      for (const decode of [parseMessages, parseAttrs, attrMap]) outcome(() => decode(b), malformed);
      readString(b);
      readU32(b);
      readU8(b);
    }, 1000);
  });

  it('parseErrorReply and parseDoneReply give an errno for any payload and flags', () => {
    checkProperty([bytes(64), fc.constantFrom(0, NLM_F_CAPPED, NLM_F_ACK_TLVS, NLM_F_CAPPED | NLM_F_ACK_TLVS, NLM_F_MULTI)], (p, flags) => {
      for (const decode of [parseErrorReply, parseDoneReply]) {
        const r = outcome(() => decode({ type: NLMSG_ERROR, flags, seq: 1, pid: 0, payload: p }), malformed);
        if ('value' in r) expect(Number.isInteger(r.value.errno)).toBe(true);
      }
    }, 1000);
  });

  it('the fixed family headers decode from any payload or give the declared RangeError', () => {
    checkProperty([bytes(20)], (p) => {
      for (const decode of [decodeIfInfoMsg, decodeIfAddrMsg, decodeRtMsg, decodeNfGenMsg]) outcome(() => decode(p), malformed);
    }, 500);
  });
});

describe('link, address and route messages from arbitrary bytes', () => {
  it('parseLink gives a Link or the declared RangeError', () => {
    checkProperty([fc.oneof(payload(LINK_TYPES, family), bytes(64))], (p) => {
      const r = outcome(() => parseLink(msg(RTM_NEWLINK, p)), malformed);
      if ('value' in r) expect(r.value.name).toBeTypeOf('string');
    }, 1000);
  });

  it('parseAddress gives an Address, nothing (another family) or the declared RangeError', () => {
    checkProperty([fc.oneof(payload(ADDR_TYPES, family), bytes(64))], (p) => {
      const r = outcome(() => parseAddress(msg(RTM_NEWADDR, p)), malformed);
      if ('value' in r && r.value) expect(r.value.address).toMatch(r.value.family === 4 ? /^\d+\.\d+\.\d+\.\d+$/ : /:/);
    }, 1000);
  });

  it('parseRoute gives a Route, nothing (another family) or the declared RangeError', () => {
    checkProperty([fc.oneof(payload(ROUTE_TYPES, family), bytes(64))], (p) => {
      const r = outcome(() => parseRoute(msg(RTM_NEWROUTE, p)), malformed);
      if ('value' in r && r.value) expect(r.value.dst).toContain('/');
    }, 1000);
  });

  it('parseRule gives a Rule, nothing (another family) or the declared RangeError', () => {
    checkProperty([fc.oneof(payload(RULE_TYPES, family), bytes(64))], (p) => {
      const r = outcome(() => parseRule(msg(RTM_NEWRULE, p)), malformed);
      if ('value' in r && r.value) expect(Number.isInteger(r.value.table) && Number.isInteger(r.value.priority)).toBe(true);
    }, 1000);
  });
});

describe('NetlinkSocket reading a fake kernel that answers with arbitrary messages', () => {
  /** A fake kernel answering every request with `parts` (its seq patched in) and then an ACK/DONE, or garbage. */
  function socketAnswering(parts: readonly { type: number; flags: number; payload: Buffer }[], end: 'done' | 'none' | 'garbage', garbage: Buffer): NetlinkSocket {
    return new NetlinkSocket(
      new FakeTransport((req) => {
        const out = parts.map((p) => fakeMessage(p.type, p.flags | NLM_F_MULTI, req.seq, p.payload));
        if (end === 'done') out.push(fakeDone(req));
        if (end === 'garbage') out.push(garbage);
        return out;
      }),
      NETLINK_ROUTE,
      50,
    );
  }

  const part = fc.record({
    type: fc.oneof(fc.constantFrom(RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, NLMSG_ERROR, NLMSG_DONE), fc.nat(40)),
    flags: fc.constantFrom(0, NLM_F_CAPPED, NLM_F_ACK_TLVS),
    payload: fc.oneof(payload(LINK_TYPES, family), payload(ADDR_TYPES, family), payload(ROUTE_TYPES, family), bytes(40)),
  });

  it('listLinks, listAddresses, listRoutes and the bridge readers give values, a NetlinkError or the declared RangeError', () => {
    checkProperty([fc.array(part, { maxLength: 4 }), fc.constantFrom('done', 'none', 'garbage'), bytes(40)], (parts, end, garbage) => {
      const readers = [
        (s: NetlinkSocket) => listLinks(s),
        (s: NetlinkSocket) => listAddresses(s),
        (s: NetlinkSocket) => listRoutes(s, { table: 'all' }),
        (s: NetlinkSocket) => getBridgeInfo(s, 3),
        (s: NetlinkSocket) => listBridgePorts(s),
        (s: NetlinkSocket) => listBridgeVlans(s, 3),
      ];
      for (const read of readers) outcome(() => read(socketAnswering(parts, end as 'done', garbage)), (e) => malformed(e) || e instanceof NetlinkError);
    }, 300);
  });
});
